package tenant

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
)

// maxAncestors is how far up its parents Origin follows a process.
const maxAncestors = 5

// tempDirs name directories programs are not installed in. A process whose
// image sits under one was most likely just downloaded or dropped.
var tempDirs = []string{"tmp", "temp", "downloads"}

// systemImages are Windows programs that malware names itself after, each
// with the directories, lower-cased, its genuine image lives in.
var systemImages = map[string][]string{
	"svchost.exe":  {`c:\windows\system32`, `c:\windows\syswow64`},
	"lsass.exe":    {`c:\windows\system32`},
	"csrss.exe":    {`c:\windows\system32`},
	"services.exe": {`c:\windows\system32`},
	"smss.exe":     {`c:\windows\system32`},
	"winlogon.exe": {`c:\windows\system32`},
	"explorer.exe": {`c:\windows`},
}

// process returns the process with key id.
func (t *Tenant) process(ctx context.Context, id string) (processItem, bool, error) {
	return get[processItem](ctx, t, pkProcess+id, skMeta)
}

// describeProcess judges where the process's image runs from, and says
// whether remediation killed it. It is suspicious when the image sits
// under a temporary or download directory (any directory named tmp, temp
// or downloads, such as /tmp, /var/tmp or AppData\Local\Temp), and when
// the process bears the name of a Windows system program but runs from
// elsewhere than that program's directory.
func (t *Tenant) describeProcess(ctx context.Context, id string) (datasource.Finding, error) {
	var f finding
	p, ok, err := t.process(ctx, id)
	if err != nil || !ok {
		return f.result(err)
	}
	f.Attributes = alert.Attrs("host", p.Host, "path", p.Path, "killed", yes(p.KilledAt != nil))
	if p.KilledAt != nil {
		f.evidence(investigation.VerdictUnknown, "killed by remediation at %s",
			stamp(*p.KilledAt))
	}
	if p.Path == "" {
		return f.Finding, nil
	}
	if dir := tempDir(p.Path); dir != "" {
		f.evidence(investigation.VerdictSuspicious,
			"runs from %s, under the temporary or download directory %s", p.Path, dir)
	}
	name := strings.ToLower(cmp.Or(p.Name, baseName(p.Path)))
	if dirs, ok := systemImages[name]; ok && !slices.Contains(dirs, windowsDir(p.Path)) {
		f.evidence(investigation.VerdictSuspicious,
			"bears the name of the system program %s but runs from %s: masquerading",
			name, p.Path)
	}
	return f.Finding, nil
}

// tempDir returns the first directory of path p named as in tempDirs, or
// "" when there is none.
func tempDir(p string) string {
	dirs := strings.Split(strings.ReplaceAll(p, `\`, "/"), "/")
	for _, d := range dirs[:len(dirs)-1] {
		if slices.Contains(tempDirs, strings.ToLower(d)) {
			return d
		}
	}
	return ""
}

// windowsDir returns the lower-cased directory of a Windows path.
func windowsDir(p string) string {
	p = strings.ToLower(p)
	if i := strings.LastIndexByte(p, '\\'); i >= 0 {
		return p[:i]
	}
	return ""
}

// processOrigin follows the process up its parents, at most maxAncestors
// of them, each related as "parent_process" with the process it started
// in Attributes["parent_of"], and gives the file of its image. A parent
// the tenant does not know ends the chain.
func (t *Tenant) processOrigin(ctx context.Context, id string) (datasource.Finding, error) {
	var f finding
	p, ok, err := t.process(ctx, id)
	if err != nil || !ok {
		return f.result(err)
	}

	// its image
	f.add(rel(alert.EntityFile, p.SHA256, baseName(p.Path), "image", "path", p.Path,
		"host", p.Host))

	// its parents
	seen := map[string]bool{p.ID: true}
	for range maxAncestors {
		if p.Parent == "" || seen[p.Parent] {
			break
		}
		parent, known, err := t.process(ctx, p.Parent)
		if err != nil {
			return datasource.Finding{}, err
		}
		f.add(rel(alert.EntityProcess, p.Parent, parent.Name, "parent_process",
			"parent_of", p.ID, "path", parent.Path, "started", stamp(parent.Started)))
		if !known {
			break
		}
		seen[p.Parent], p = true, parent
	}
	return f.Finding, nil
}

// processAffected gives the user the process ran as.
func (t *Tenant) processAffected(ctx context.Context, id string) (datasource.Finding, error) {
	var f finding
	p, ok, err := t.process(ctx, id)
	if err != nil || !ok || p.User == "" {
		return f.result(err)
	}
	name, err := t.userName(ctx, p.User)
	if err != nil {
		return datasource.Finding{}, err
	}
	f.add(rel(alert.EntityUser, p.User, name, "run_by", "host", p.Host))
	return f.Finding, nil
}
