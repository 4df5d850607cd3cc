package tenant

import (
	"context"
	"strings"

	"github.com/firebreak/firebreak/shared/alert"
)

// Quarantine is what quarantining a file did.
type Quarantine struct {
	// Paths are the paths removed from the host now.
	Paths []string
	// AlreadyQuarantined is true when an earlier run had removed them all,
	// as when a retried action runs again.
	AlreadyQuarantined bool
}

// QuarantineFile removes every copy of the file with hash sha256 from host
// hostID and records each in the host's quarantine, one transaction per
// copy; from then on the host no longer holds the file for a hunt. Running
// it again after it succeeded changes nothing and reports
// AlreadyQuarantined. An unknown host, and a host that never held the
// file, give a *NotFoundError; the file's matches ErrNoSuchFile.
func (t *Tenant) QuarantineFile(ctx context.Context, hostID, sha256 string) (Quarantine, error) {
	h, ok, err := t.hostMeta(ctx, hostID)
	if err != nil {
		return Quarantine{}, err
	}
	if !ok {
		return Quarantine{}, &NotFoundError{Kind: alert.EntityHost, Key: hostID}
	}
	files, err := t.FilesOnHost(ctx, hostID, sha256)
	if err != nil {
		return Quarantine{}, err
	}
	if len(files) == 0 {
		return t.alreadyQuarantined(ctx, hostID, sha256)
	}
	paths, err := t.moveAll(ctx, h, files, onDisk, inQuarantine)
	if err != nil {
		return Quarantine{}, err
	}
	return Quarantine{Paths: paths, AlreadyQuarantined: len(paths) == 0}, nil
}

func (t *Tenant) alreadyQuarantined(ctx context.Context, hostID, sha256 string) (
	Quarantine, error) {
	done, err := t.Quarantined(ctx, hostID, sha256)
	if err != nil {
		return Quarantine{}, err
	}
	if len(done) == 0 {
		return Quarantine{}, noFile(strings.ToLower(sha256), hostID)
	}
	return Quarantine{AlreadyQuarantined: true}, nil
}
