package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"sync"

	"github.com/firebreak/firebreak/infra/local/host"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/ingest"
	"github.com/firebreak/firebreak/shared/investigation"
)

// malware runs the malware sample alone, approving whatever waits for a
// person, and counts the state transitions its investigation took.
func (b *bench) malware(ctx context.Context) ([]Figure, error) {
	t, err := Find(b.templates, StormSample)
	if err != nil {
		return nil, err
	}
	b.say("malware: one investigation of %s, to its end", t.Name)
	var transitions int64
	err = b.withHost(ctx, func(h *host.Host) error {
		before := h.Usage()
		id, err := pushOne(ctx, h, t)
		if err != nil {
			return err
		}
		if err := approveToTheEnd(ctx, h, id); err != nil {
			return err
		}
		transitions = h.Usage().Since(before).Transitions
		return nil
	})
	if err != nil {
		return nil, err
	}
	return []Figure{atMost("malware investigation: state transitions", float64(transitions),
		targetMalwareTransitions, "%.0f")}, nil
}

// pushOne posts t's payload as it is and returns the investigation it
// opened.
func pushOne(ctx context.Context, h *host.Host, t Template) (string, error) {
	p := Payload{Name: t.Name, Body: t.Body, SourceAlertID: t.Alert.SourceAlertID}
	sent := senderTo(h, 1).post(ctx, &p)
	if !sent.Stored() || sent.Results[0].InvestigationID == "" {
		return "", fmt.Errorf("%s opened no investigation: %d %s", t.Name, sent.Status,
			reason(sent))
	}
	return sent.Results[0].InvestigationID, nil
}

// approveToTheEnd approves every action of investigation id that waits for
// a person, as an analyst would in the action center, until its execution
// ends.
func approveToTheEnd(ctx context.Context, h *host.Host, id string) error {
	for {
		st, err := h.WaitForSettled(ctx, id)
		if err != nil {
			return err
		}
		if !st.Waiting() {
			return nil
		}
		ids := make([]string, len(st.Pending))
		for i, a := range st.Pending {
			ids[i] = a.ID
		}
		if err := decide(ctx, h.URL, ids); err != nil {
			return err
		}
	}
}

// decide approves the approvals ids through POST /api/actions/decisions.
func decide(ctx context.Context, base string, ids []string) error {
	body, _ := json.Marshal(map[string]any{"decision": "approve", "approval_ids": ids})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		base+"/api/actions/decisions", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("approve %v: %w", ids, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("approve %v: %s", ids, resp.Status)
	}
	return nil
}

// scale measures ingest latency with few and with many alerts already
// stored (1,000 and 100,000 at the target sizes): alerts policy only
// stores, the bulk of what a SIEM sends, seeded in batches, then a probe
// of as many fresh alerts at each size.
func (b *bench) scale(ctx context.Context) ([]Figure, error) {
	only, err := b.storedOnly()
	if err != nil {
		return nil, err
	}
	vs, err := newVariations(batchable(only), investigation.Correlated)
	if err != nil {
		return nil, err
	}
	z := b.sizes
	var small, large Result
	err = b.withHost(ctx, func(h *host.Host) error {
		if small, err = b.probeAt(ctx, h, vs, 0, z.ScaleSmall); err != nil {
			return err
		}
		large, err = b.probeAt(ctx, h, vs, z.ScaleSmall+z.ScaleProbes, z.ScaleLarge)
		return err
	})
	if err != nil {
		return nil, err
	}
	p99s, p99l := small.Summary.Latency.P99, large.Summary.Latency.P99
	ratio := float64(p99l) / float64(max(p99s, 1))
	return []Figure{
		measured(fmt.Sprintf("scale: p99 ingest latency, %d stored", z.ScaleSmall), ms(p99s)),
		measured(fmt.Sprintf("scale: p99 ingest latency, %d stored", z.ScaleLarge), ms(p99l)),
		atMost("scale: p99 latency, large over small", ratio, targetScaleP99Ratio, "%.2f×"),
		count("scale: alerts lost", small.Summary.Lost+large.Summary.Lost, 0),
	}, nil
}

// probeAt seeds h's table, holding from alerts, up to size stored
// alerts, then measures a probe of the sizes' ScaleProbes alerts more. Variation
// numbers from size on are the probe's, so no probe repeats a seed.
func (b *bench) probeAt(ctx context.Context, h *host.Host, vs variations, from, size int) (
	Result, error) {
	b.say("scale: seeding %d stored alerts", size-from)
	if err := seed(ctx, h, vs, from, size); err != nil {
		return Result{}, err
	}
	probes := make([]Payload, b.sizes.ScaleProbes)
	for i := range probes {
		p, err := vs.at(size + i)
		if err != nil {
			return Result{}, err
		}
		probes[i] = p
	}
	name := fmt.Sprintf("scale at %d", size)
	return b.measure(ctx, h, name, probes, b.sizes.ProbeSenders)
}

// seed stores variations from to to through POST /alerts, in batches of
// one template's variations.
func seed(ctx context.Context, h *host.Host, vs variations, from, to int) error {
	s := senderTo(h, seedSenders)
	batches := make(chan [2]int)
	errs := make(chan error, seedSenders)
	var wg sync.WaitGroup
	for range seedSenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range batches {
				if err := s.postBatch(ctx, vs, r[0], r[1]); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for start := from; start < to; start += seedBatch {
		select {
		case batches <- [2]int{start, min(start+seedBatch, to)}:
		case err := <-errs:
			close(batches)
			wg.Wait()
			return err
		}
	}
	close(batches)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return h.WaitIdle(ctx, idleQuiet)
	}
}

// batchable keeps the templates two of which, in a JSON array, are a
// batch of two alerts: not every format's envelope comes in arrays.
func batchable(templates []Template) []Template {
	var out []Template
	for _, t := range templates {
		two := append(append(append([]byte("["), t.Body...), ','), t.Body...)
		if alerts, err := alert.Parse(append(two, ']'), ""); err == nil && len(alerts) == 2 {
			out = append(out, t)
		}
	}
	return out
}

// maxSeedBodyBytes keeps a seeding request under POST /alerts' limit of
// 256 KiB, with room for the array's commas.
const maxSeedBodyBytes = 250 << 10

// postBatch posts variations from to to of one template as JSON arrays,
// as many alerts to a request as fit, and checks that each was accepted.
func (s Sender) postBatch(ctx context.Context, vs variations, from, to int) error {
	var bodies [][]byte
	size := 0
	for n := from; n < to; n++ {
		p, err := vs.ofTemplate(from/seedBatch, n)
		if err != nil {
			return err
		}
		if size+len(p.Body) > maxSeedBodyBytes && len(bodies) > 0 {
			if err := s.postArray(ctx, bodies); err != nil {
				return err
			}
			bodies, size = nil, 0
		}
		bodies, size = append(bodies, p.Body), size+len(p.Body)+1
	}
	return s.postArray(ctx, bodies)
}

// postArray posts bodies as one JSON array and checks that each alert was
// accepted.
func (s Sender) postArray(ctx context.Context, bodies [][]byte) error {
	p := Payload{Name: fmt.Sprintf("a seed batch of %d", len(bodies)),
		Body: append(append([]byte("["), bytes.Join(bodies, []byte(","))...), ']')}
	sent := s.post(ctx, &p)
	accepted := 0
	for _, r := range sent.Results {
		accepted += btoi(r.Status == ingest.StatusAccepted)
	}
	if sent.Status != http.StatusAccepted || accepted != len(bodies) {
		return fmt.Errorf("%s: %d with %d accepted: %s", p.Name, sent.Status, accepted,
			reason(sent))
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// javaVersion is the first line java -version prints.
func javaVersion() string {
	out, err := exec.Command("java", "-version").CombinedOutput()
	if err != nil {
		return "java unknown"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.Trim(line, "\"")
}
