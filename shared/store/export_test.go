package store

// WithExamineBound lowers the bound on the items one page of
// ListInvestigations reads from one status, so a test can reach it.
func WithExamineBound(n int) Option {
	return func(s *Store) { s.examineBound = n }
}
