package tenant

import (
	"context"
	"path"
	"strings"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
)

// fileItem is one copy of a file. It is kept twice: on its host's
// partition (skFile; skQuarantine once quarantined, skDeleted once
// deleted), and on its hash's (skHost, skQuarantine, skDeleted), which
// answers which hosts hold a file.
type fileItem struct {
	itemKey
	Host     string `dynamodbav:"host"`
	HostName string `dynamodbav:"host_name"`
	File
}

// onHost returns the copy's item on its host's partition under prefix.
func onHost(prefix string, h Host, f File) fileItem {
	return fileItem{itemKey{pkHost + h.ID, prefix + f.SHA256 + "#" + f.Path}, h.ID, h.Name, f}
}

// onHash returns the copy's item on its hash's partition under prefix.
func onHash(prefix string, h Host, f File) fileItem {
	return fileItem{itemKey{pkHash + f.SHA256, prefix + h.ID + "#" + f.Path}, h.ID, h.Name, f}
}

// seedFile writes a copy of a file on its host and its hash, at once,
// unless the copy was quarantined or deleted.
func (t *Tenant) seedFile(ctx context.Context, h Host, f File) error {
	tx, err := transaction(
		txCheck(t.table, onHost(skQuarantine, h, f).keys(), ifAbsent),
		txCheck(t.table, onHost(skDeleted, h, f).keys(), ifAbsent),
		txPut(t.table, onHost(skFile, h, f)),
		txPut(t.table, onHash(skHost, h, f)))
	if err != nil {
		return err
	}
	_, err = t.db.TransactWriteItems(ctx, tx)
	if conditionFailed(err) {
		return nil
	}
	return err
}

// FilesOnHost returns the files on host hostID whose SHA-256 is sha256.
func (t *Tenant) FilesOnHost(ctx context.Context, hostID, sha256 string) ([]File, error) {
	return t.files(ctx, hostID, skFile+strings.ToLower(sha256)+"#")
}

// Quarantined returns the files of hash sha256 quarantined on hostID.
func (t *Tenant) Quarantined(ctx context.Context, hostID, sha256 string) ([]File, error) {
	return t.files(ctx, hostID, skQuarantine+strings.ToLower(sha256)+"#")
}

// files returns the files of a host whose sort key starts with prefix.
func (t *Tenant) files(ctx context.Context, hostID, prefix string) ([]File, error) {
	items, err := query[fileItem](ctx, t, pkHost+hostID, prefix)
	var files []File
	for _, it := range items {
		files = append(files, it.File)
	}
	return files, err
}

// fileOrigin says where each copy of a file came from, quarantined and
// deleted copies included: the URL it was downloaded from, the process
// that wrote it, and the messages that carry it as an attachment.
func (t *Tenant) fileOrigin(ctx context.Context, sha256 string) (datasource.Finding, error) {
	var f finding

	// the copies on hosts, and those remediation took off them
	var copies []fileItem
	for _, prefix := range []string{skHost, skQuarantine, skDeleted} {
		some, err := query[fileItem](ctx, t, pkHash+sha256, prefix)
		if err != nil {
			return f.result(err)
		}
		copies = append(copies, some...)
	}
	for _, c := range copies {
		f.add(rel(alert.EntityURL, c.DownloadedFrom, "", "downloaded_from",
			"host", c.Host, "path", c.Path))
		f.add(rel(alert.EntityProcess, c.CreatedBy, "", "created_by",
			"host", c.Host, "path", c.Path))
	}

	// the messages attaching it
	msgs, err := query[msgRef](ctx, t, pkHash+sha256, skMessage)
	for _, m := range msgs {
		f.add(rel(alert.EntityEmailMessage, m.MessageID, m.Subject, "attached_to",
			"mailbox", m.Mailbox))
	}
	return f.result(err)
}

// fileHunt finds every host holding the file now, with the paths of its
// copies there.
func (t *Tenant) fileHunt(ctx context.Context, sha256 string) (datasource.Finding, error) {
	var f finding
	copies, err := query[fileItem](ctx, t, pkHash+sha256, skHost)
	for _, c := range copies {
		f.add(rel(alert.EntityHost, c.Host, c.HostName, "held_by", "path", c.Path))
	}
	return f.result(err)
}

// baseName returns the last element of a Unix or Windows path.
func baseName(p string) string {
	if p == "" {
		return ""
	}
	return path.Base(strings.ReplaceAll(p, `\`, "/"))
}
