// Package intel gives indicators their reputation: it answers
// datasource.Intelligence from indicator lists and outside services.
//
// A List holds indicators in memory. ReadCSV fills one from an analyst's
// CSV list, ReadSTIX from the indicators of a STIX 2.1 bundle; every value
// read is keyed as alert.Key keys the entities of alerts, refanged and
// canonical, so that a listed indicator meets the entity an alert names.
// A URL also meets the entries for its host, since analysts list domains
// and addresses more often than whole URLs.
//
// External asks an outside service through a Lookup, such as VirusTotal,
// and reuses its answers for a while. A Chain asks several sources at once
// and returns all their evidence, naming the source of any failure.
//
// Every piece of evidence names, in its Source, the list or service it came
// from, and leaves Step for the caller to set.
package intel
