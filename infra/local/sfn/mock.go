package sfn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// MockConfig mocks service integrations for test cases, in the format of
// AWS Step Functions Local's mock configuration file:
//
//	{"StateMachines": {"<state machine name>": {"TestCases": {
//	     "<test case>": {"<state name>": "<mocked response name>"}}}},
//	 "MockedResponses": {"<mocked response name>": {
//	     "0": {"Return": <task result>},
//	     "1-2": {"Throw": {"Error": "<error name>", "Cause": "<cause>"}}}}}
//
// The keys of a mocked response are the attempts, counted from 0 per state
// and execution, that it answers: one number or a range such as "1-2". A
// mocked Task state neither invokes its resource nor waits for a callback;
// its Parameters, Retry, Catch and output processing apply as usual. A
// MockConfig is immutable once parsed and safe for concurrent use.
type MockConfig struct {
	cases map[string]map[string]*testCase // by state machine name, then test case
}

// testCase maps each mocked state of one test case to its responses.
type testCase map[string]mockedResponse

// mockedResponse is the sequence of answers a mocked state gives.
type mockedResponse []mockedAttempts

// mockedAttempts is the answer to attempts from through to.
type mockedAttempts struct {
	from, to int
	answer   *taskAnswer
}

// mockConfigFile is the file's JSON shape.
type mockConfigFile struct {
	StateMachines map[string]struct {
		TestCases map[string]map[string]string `json:"TestCases"`
	} `json:"StateMachines"`
	MockedResponses map[string]map[string]struct {
		Return json.RawMessage `json:"Return"`
		Throw  *struct {
			Error string `json:"Error"`
			Cause string `json:"Cause"`
		} `json:"Throw"`
	} `json:"MockedResponses"`
}

// ParseMockConfig parses a mock configuration file. Its error names the
// first thing wrong: a mocked response that is missing, a bad attempt range,
// or an entry with both or neither of Return and Throw.
func ParseMockConfig(data []byte) (*MockConfig, error) {
	// decode the file
	var f mockConfigFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("decode mock config: %w", err)
	}

	// compile every mocked response
	responses := map[string]mockedResponse{}
	for name, entries := range f.MockedResponses {
		var r mockedResponse
		for key, entry := range entries {
			from, to, err := attemptRange(key)
			if err != nil {
				return nil, fmt.Errorf("mocked response %s: %w", name, err)
			}
			a := &taskAnswer{}
			switch {
			case (entry.Return != nil) == (entry.Throw != nil):
				return nil, fmt.Errorf("mocked response %s, attempt %s: want exactly one "+
					"of Return and Throw", name, key)
			case entry.Throw != nil:
				a.Error, a.Cause = entry.Throw.Error, entry.Throw.Cause
			default:
				out := string(entry.Return)
				a.Output = &out
			}
			r = append(r, mockedAttempts{from, to, a})
		}
		sort.Slice(r, func(i, j int) bool { return r[i].from < r[j].from })
		responses[name] = r
	}

	// resolve the test cases' references to them
	mc := &MockConfig{cases: map[string]map[string]*testCase{}}
	for machine, m := range f.StateMachines {
		mc.cases[machine] = map[string]*testCase{}
		for name, states := range m.TestCases {
			tc := testCase{}
			for state, response := range states {
				r, ok := responses[response]
				if !ok {
					return nil, fmt.Errorf("state machine %s, test case %s, state %s: no "+
						"mocked response %q", machine, name, state, response)
				}
				tc[state] = r
			}
			mc.cases[machine][name] = &tc
		}
	}
	return mc, nil
}

// attemptRange parses "2" or "1-3".
func attemptRange(key string) (int, int, error) {
	a, b, isRange := strings.Cut(key, "-")
	from, err1 := strconv.Atoi(a)
	to := from
	var err2 error
	if isRange {
		to, err2 = strconv.Atoi(b)
	}
	if err1 != nil || err2 != nil || from < 0 || to < from {
		return 0, 0, fmt.Errorf("bad attempt range %q; want \"N\" or \"N-M\"", key)
	}
	return from, to, nil
}

// testCase returns the mocks of a test case of the named state machine, nil
// for no test case. A test case the configuration lacks is a
// ValidationException.
func (mc *MockConfig) testCase(machine, name string) (*testCase, error) {
	if name == "" {
		return nil, nil
	}
	if mc != nil {
		if tc, ok := mc.cases[machine][name]; ok {
			return tc, nil
		}
	}
	return nil, apiErrorf(codeValidation, "the mock configuration has no test case %q "+
		"for state machine %s", name, machine)
}

// mockedResponse returns the mocked answer to the next attempt of state, and
// false when the state is not mocked in the execution's test case.
func (x *execution) mockedResponse(state string) (*taskAnswer, bool) {
	if x.mocks == nil {
		return nil, false
	}
	r, ok := (*x.mocks)[state]
	if !ok {
		return nil, false
	}
	x.mu.Lock()
	n := x.mockCalls[state]
	x.mockCalls[state]++
	x.mu.Unlock()
	for _, a := range r {
		if n >= a.from && n <= a.to {
			return a.answer, true
		}
	}
	return &taskAnswer{Error: errRuntime, Cause: fmt.Sprintf(
		"the mocked response for state %s has no entry for attempt %d", state, n)}, true
}
