package pages

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/investigation"
)

// Bounds and geometry of the entity graph. A wide investigation holds
// hundreds of entities; the graph draws the gravest of each round and
// says how many it left out.
const (
	maxGraphPerRound = 12
	maxGraphNodes    = 60
	maxGraphEdges    = 150
	maxLabelRunes    = 30

	graphColumnWidth = 240
	graphNodeWidth   = 200
	graphNodeHeight  = 28
	graphRowHeight   = 40
	graphMargin      = 40
	graphBend        = 30
	graphHeader      = 24
)

// graph is the entity graph laid out for the SVG drawing: entities in
// columns by round, gravest verdict first, and an edge for each relation
// between two drawn entities.
type graph struct {
	Width, Height int
	Columns       []graphColumn
	Nodes         []graphNode
	Edges         []graphEdge
	// LeftOutNodes and LeftOutEdges count what the bounds left out.
	LeftOutNodes, LeftOutEdges int
}

type graphColumn struct {
	X     int
	Round int
}

type graphNode struct {
	X, Y    int
	Ref     string
	Label   string
	Verdict investigation.Verdict
}

// graphEdge is drawn as the SVG path D: a line between columns, a curve
// out to the left within one.
type graphEdge struct {
	D    string
	Kind string
}

// layoutGraph lays ents out. It is deterministic: the same entities give
// the same drawing whatever their order.
func layoutGraph(ents []gateway.EntityView) graph {
	// which entities to draw: by round, gravest first, within the bounds
	byRound := map[int][]gateway.EntityView{}
	for _, e := range ents {
		byRound[max(e.Round, 1)] = append(byRound[max(e.Round, 1)], e)
	}
	rounds := make([]int, 0, len(byRound))
	for r := range byRound {
		rounds = append(rounds, r)
	}
	slices.Sort(rounds)

	// place them in columns
	var g graph
	at := map[string]graphNode{}
	rows := 0
	for col, r := range rounds {
		es := byRound[r]
		slices.SortFunc(es, graver)
		x := graphMargin + col*graphColumnWidth
		g.Columns = append(g.Columns, graphColumn{X: x, Round: r})
		for i, e := range es {
			if i >= maxGraphPerRound || len(g.Nodes) >= maxGraphNodes {
				g.LeftOutNodes += len(es) - i
				break
			}
			n := graphNode{X: x, Y: graphMargin + graphHeader + i*graphRowHeight,
				Ref: ref(e), Label: label(e), Verdict: e.Verdict}
			g.Nodes, at[n.Ref] = append(g.Nodes, n), n
			rows = max(rows, i+1)
		}
	}
	g.Edges, g.LeftOutEdges = edges(ents, at)
	g.Width = 2*graphMargin + max(len(rounds), 1)*graphColumnWidth
	g.Height = 2*graphMargin + graphHeader + max(rows, 1)*graphRowHeight
	return g
}

// edges joins the drawn entities their relations name, each pair once.
func edges(ents []gateway.EntityView, at map[string]graphNode) ([]graphEdge, int) {
	var out []graphEdge
	leftOut := 0
	seen := map[[2]string]bool{}
	sorted := slices.Clone(ents)
	slices.SortFunc(sorted, func(a, b gateway.EntityView) int { return cmp.Compare(ref(a), ref(b)) })
	for _, e := range sorted {
		from, ok := at[ref(e)]
		for _, r := range e.Relations {
			to, drawn := at[r.Ref]
			pair := [2]string{min(ref(e), r.Ref), max(ref(e), r.Ref)}
			switch {
			case seen[pair] || r.Ref == ref(e):
				continue
			case !ok || !drawn || len(out) >= maxGraphEdges:
				leftOut++
				continue
			}
			seen[pair] = true
			out = append(out, edge(from, to, r.Kind))
		}
	}
	return out, leftOut
}

// edge runs from the right side of the left node to the left side of the
// right one; within a column, it bends out to the left between their left
// sides.
func edge(a, b graphNode, kind string) graphEdge {
	if a.X > b.X {
		a, b = b, a
	}
	y1, y2 := a.Y+graphNodeHeight/2, b.Y+graphNodeHeight/2
	if a.X == b.X {
		bend := a.X - graphBend
		return graphEdge{Kind: kind, D: fmt.Sprintf("M %d %d C %d %d, %d %d, %d %d",
			a.X, y1, bend, y1, bend, y2, b.X, y2)}
	}
	return graphEdge{Kind: kind, D: fmt.Sprintf("M %d %d L %d %d",
		a.X+graphNodeWidth, y1, b.X, y2)}
}

// graver orders entities gravest verdict first, then by ref.
func graver(a, b gateway.EntityView) int {
	if c := cmp.Compare(investigation.Gravity(b.Verdict), investigation.Gravity(a.Verdict)); c != 0 {
		return c
	}
	return cmp.Compare(ref(a), ref(b))
}

func ref(e gateway.EntityView) string { return string(e.Type) + ":" + e.Key }

// label is what a node shows: the entity's name, else its key, cut.
func label(e gateway.EntityView) string {
	s := e.Name
	if s == "" {
		s = e.Key
	}
	r := []rune(string(e.Type) + " " + s)
	if len(r) > maxLabelRunes {
		return string(r[:maxLabelRunes-1]) + "…"
	}
	return string(r)
}
