package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/ingest"
)

// runNormalize prints the normalized alert of a payload file, as ingest
// would store it (without the raw payload): one JSON object for a payload
// holding one alert, an array for a batch. A payload ingest would refuse
// prints why, naming the item and field, and exits 1.
func runNormalize(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("normalize", flag.ContinueOnError)
	format := fs.String("format", "", "force a format instead of detecting it")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: firebreak normalize [--format NAME] FILE")
		return exitError(2)
	}
	body, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}

	// the limits ingest applies, then every item, reporting each that fails
	if err := ingest.CheckBody(body); err != nil {
		fmt.Fprintln(stderr, err)
		return exitError(1)
	}
	items, err := alert.ParseEach(body, *format)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError(1)
	}
	var alerts []alert.Alert
	failed := false
	for _, it := range items {
		if it.Err != nil {
			reason := it.Err.Error()
			if len(items) > 1 {
				reason = ingest.ItemReason(it)
			}
			fmt.Fprintln(stderr, reason)
			failed = true
			continue
		}
		for _, a := range it.Alerts {
			a.Raw = nil
			alerts = append(alerts, a)
		}
	}
	if failed {
		return exitError(1)
	}

	// one alert prints as an object, more as an array
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if len(alerts) == 1 {
		return enc.Encode(alerts[0])
	}
	return enc.Encode(alerts)
}
