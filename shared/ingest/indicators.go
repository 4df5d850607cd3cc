package ingest

import "github.com/firebreak/firebreak/shared/alert"

// correlated lists the entity types an alert is correlated on, most
// telling first: two alerts naming the same file hash are far more likely
// one threat than two alerts naming the same host.
var correlated = []alert.EntityType{
	alert.EntityFile, alert.EntityURL, alert.EntityDomain, alert.EntityAccessKey,
	alert.EntityUser, alert.EntityHost,
}

// Indicators returns the refs of a's entities that it is correlated on,
// most telling first.
func Indicators(a alert.Alert) []string {
	var refs []string
	for _, t := range correlated {
		for _, e := range a.Entities {
			if e.Type == t {
				refs = append(refs, e.Ref())
			}
		}
	}
	return refs
}
