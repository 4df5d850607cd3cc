package pages

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/investigation"
)

// wideRound is n hosts in round 2, each held_by-related to the file of
// round 1; every third is malicious.
func wideRound(n int) []gateway.EntityView {
	ents := []gateway.EntityView{{Type: alert.EntityFile, Key: "f1", Round: 1,
		Verdict: investigation.VerdictMalicious}}
	for i := range n {
		v := investigation.VerdictSuspicious
		if i%3 == 0 {
			v = investigation.VerdictMalicious
		}
		ents = append(ents, gateway.EntityView{Type: alert.EntityHost, Key: fmt.Sprintf("h%03d", i),
			Round: 2, Verdict: v, Relations: []investigation.Relation{{Kind: "holds",
				Ref: "file:f1"}}})
	}
	return ents
}

func TestGraphDrawsTheGravestOfEachRoundAndCountsTheRest(t *testing.T) {
	g := layoutGraph(wideRound(30))
	if got, want := len(g.Nodes), 1+maxGraphPerRound; got != want {
		t.Errorf("drew %d entities, want %d", got, want)
	}
	if got, want := g.LeftOutNodes, 30-maxGraphPerRound; got != want {
		t.Errorf("left out %d entities, want %d", got, want)
	}
	if got, want := g.LeftOutEdges, 30-maxGraphPerRound; got != want {
		t.Errorf("left out %d relations, want %d", got, want)
	}
	for _, n := range g.Nodes[1 : maxGraphPerRound/3+1] {
		if n.Verdict != investigation.VerdictMalicious {
			t.Errorf("round 2 starts with %s %s, want the malicious hosts first", n.Ref, n.Verdict)
		}
	}
	wantD := fmt.Sprintf("M %d %d L %d %d", g.Nodes[0].X+graphNodeWidth,
		g.Nodes[0].Y+graphNodeHeight/2, g.Nodes[1].X, g.Nodes[1].Y+graphNodeHeight/2)
	if len(g.Edges) != maxGraphPerRound || !slices.ContainsFunc(g.Edges,
		func(e graphEdge) bool { return e.D == wantD }) {
		t.Errorf("edges = %+v, want one from the file to each drawn host", g.Edges)
	}
}

func TestGraphLayoutIsTheSameWhateverTheOrder(t *testing.T) {
	ents := wideRound(20)
	want := layoutGraph(ents)
	for range 5 {
		shuffled := slices.Clone(ents)
		rand.Shuffle(len(shuffled), func(i, j int) {
			shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
		})
		if diff := cmp.Diff(want, layoutGraph(shuffled)); diff != "" {
			t.Fatalf("layout changed with the order (-want +got):\n%s", diff)
		}
	}
}

func TestGraphBoundsTheWholeDrawing(t *testing.T) {
	var ents []gateway.EntityView
	for r := 1; r <= 8; r++ {
		for i := range 10 {
			ents = append(ents, gateway.EntityView{Type: alert.EntityHost,
				Key: fmt.Sprintf("r%d-%d", r, i), Round: r})
		}
	}
	g := layoutGraph(ents)
	if len(g.Nodes) != maxGraphNodes || g.LeftOutNodes != 80-maxGraphNodes {
		t.Errorf("drew %d and left out %d of 80, want %d drawn", len(g.Nodes), g.LeftOutNodes,
			maxGraphNodes)
	}
}
