package coldstart

import (
	"fmt"
	"strings"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/intel"
	"github.com/firebreak/firebreak/shared/settings"
)

// Intelligence reads the indicator lists the settings name from the copy
// built into the function, each by its kind: a .csv indicator list or a
// STIX 2.1 bundle. With no list configured it returns nil.
func Intelligence(set settings.Investigation) (datasource.Intelligence, error) {
	var lists intel.Chain
	for _, path := range set.IndicatorLists {
		f, err := firebreak.IntelFiles.Open(path)
		if err != nil {
			return nil, fmt.Errorf("indicator list %s: %w", path, err)
		}
		read := intel.ReadSTIX
		if strings.HasSuffix(path, ".csv") {
			read = intel.ReadCSV
		}
		l, err := read(f, path)
		f.Close()
		if err != nil {
			return nil, err
		}
		lists = append(lists, intel.Source{Name: path, Intel: l})
	}
	if len(lists) == 0 {
		return nil, nil
	}
	return lists, nil
}
