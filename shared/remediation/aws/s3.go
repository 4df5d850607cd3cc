package aws

import (
	"cmp"
	"context"
	"net/url"
	"strconv"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firebreak/firebreak/shared/remediation"
)

// object is an S3 object, and the version of it an action concerns ("" for
// the current one).
type object struct{ bucket, key, version string }

func (o object) String() string { return "s3://" + o.bucket + "/" + o.key }

// s3Objects returns the S3 objects a file action concerns: the scope when
// it is an s3://bucket/key URI, else the target's key or each line of its
// path attribute that is one. A lone object takes the target's version_id
// attribute as its version.
func s3Objects(r remediation.Request) []object {
	var uris []string
	switch {
	case strings.HasPrefix(r.Scope.Key, "s3://"):
		uris = []string{r.Scope.Key}
	case strings.HasPrefix(r.Target.Key, "s3://"):
		uris = []string{r.Target.Key}
	default:
		for _, p := range strings.Split(r.Target.Attributes["path"], "\n") {
			if strings.HasPrefix(p, "s3://") {
				uris = append(uris, p)
			}
		}
	}
	var objs []object
	for _, u := range uris {
		bucket, key, ok := strings.Cut(strings.TrimPrefix(u, "s3://"), "/")
		if ok && bucket != "" && key != "" {
			objs = append(objs, object{bucket: bucket, key: key})
		}
	}
	if len(objs) == 1 {
		objs[0].version = r.Target.Attributes["version_id"]
	}
	return objs
}

// quarantineKey is the key an object is quarantined under: it names the
// action, the object's bucket and its key, after the member account the
// object is of ("" for the provider's own), since a member account's role
// may write into the quarantine under quarantine/<account>/ alone.
func quarantineKey(member, actionID string, o object) string {
	if member != "" {
		return "quarantine/" + member + "/" + actionID + "/" + o.bucket + "/" + o.key
	}
	return "quarantine/" + actionID + "/" + o.bucket + "/" + o.key
}

// quarantineObjects copies each object into the quarantine bucket under a
// key naming the action, then deletes the original version. A repeat
// finds the copy and copies nothing again.
func quarantineObjects(
	ctx context.Context, p *Provider, r remediation.Request,
) (remediation.Result, error) {
	if p.opts.QuarantineBucket == "" {
		return remediation.Result{}, permanent("no quarantine bucket is configured")
	}
	c, err := p.in(ctx, accountOf(r), regionOf(r))
	if err != nil {
		return remediation.Result{}, err
	}
	member := accountOf(r)
	if mine, err := p.isOwn(ctx, member); err != nil {
		return remediation.Result{}, err
	} else if mine {
		member = ""
	}
	detail := map[string]string{"quarantine_bucket": p.opts.QuarantineBucket}
	var moved, already []string
	for i, o := range s3Objects(r) {
		q, did, err := p.quarantine(ctx, c.S3, o, quarantineKey(member, r.ActionID, o))
		if err != nil {
			return remediation.Result{}, err
		}
		n := strconv.Itoa(i)
		detail["object."+n], detail["quarantine."+n] = o.String(), q.String()
		detail["quarantine_version."+n] = q.version
		if did {
			moved = append(moved, o.String())
		} else {
			already = append(already, o.String())
		}
	}
	detail["changed"] = boolString(len(moved) > 0)
	if len(moved) == 0 {
		return remediation.Result{Summary: "already quarantined " + strings.Join(already, ", "),
			Detail: detail}, nil
	}
	return remediation.Result{Summary: "quarantined " + strings.Join(moved, ", ") +
		" into bucket " + p.opts.QuarantineBucket, Detail: detail}, nil
}

// quarantine copies o into quarantine under key, unless a copy is there,
// and deletes o's version, unless it is gone. It returns the copy and
// whether it did either.
func (p *Provider) quarantine(
	ctx context.Context, c S3, o object, key string,
) (object, bool, error) {
	q := object{bucket: p.opts.QuarantineBucket, key: key}

	// what is there: the copy, the original
	qv, qThere, err := head(ctx, c, q)
	if err != nil {
		return q, false, err
	}
	q.version = qv
	ov, oThere, err := head(ctx, c, o)
	if err != nil {
		return q, false, err
	}
	if !qThere && !oThere {
		return q, false, permanent("S3 object %s is not there", o)
	}
	o.version = cmp.Or(o.version, ov)

	// the copy, then the original's version gone
	if !qThere {
		out, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: sdk.String(q.bucket),
			Key: sdk.String(q.key), CopySource: sdk.String(copySource(o))})
		if err != nil {
			return q, false, fail("s3:CopyObject", err)
		}
		q.version = sdk.ToString(out.VersionId)
	}
	if oThere {
		if err := deleteObject(ctx, c, o); err != nil {
			return q, false, err
		}
	}
	return q, !qThere || oThere, nil
}

// restoreObjects copies each quarantined object back to its key, unless an
// object is there again. The quarantine keeps its copy.
func restoreObjects(
	ctx context.Context, p *Provider, r remediation.Request, done remediation.Result,
) (remediation.Result, error) {
	c, err := p.in(ctx, accountOf(r), regionOf(r))
	if err != nil {
		return remediation.Result{}, err
	}
	var restored, present []string
	for i := 0; done.Detail["object."+strconv.Itoa(i)] != ""; i++ {
		n := strconv.Itoa(i)
		o, ok1 := parseObject(done.Detail["object."+n])
		q, ok2 := parseObject(done.Detail["quarantine."+n])
		if !ok1 || !ok2 {
			return remediation.Result{}, permanent("the action's result names no object")
		}
		q.version = done.Detail["quarantine_version."+n]

		// an object at the key again is left as it is
		_, there, err := head(ctx, c.S3, o)
		if err != nil {
			return remediation.Result{}, err
		}
		if there {
			present = append(present, o.String())
			continue
		}
		_, err = c.S3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: sdk.String(o.bucket),
			Key: sdk.String(o.key), CopySource: sdk.String(copySource(q))})
		if err != nil {
			return remediation.Result{}, fail("s3:CopyObject", err)
		}
		restored = append(restored, o.String())
	}
	if len(restored) == 0 {
		return remediation.Result{Summary: "already restored " +
			strings.Join(present, ", ")}, nil
	}
	return remediation.Result{Summary: "restored " + strings.Join(restored, ", ") +
		" from quarantine"}, nil
}

// deleteObjects deletes each object's version; one already gone is left.
func deleteObjects(
	ctx context.Context, p *Provider, r remediation.Request,
) (remediation.Result, error) {
	c, err := p.in(ctx, accountOf(r), regionOf(r))
	if err != nil {
		return remediation.Result{}, err
	}
	var deleted, gone []string
	for _, o := range s3Objects(r) {
		v, there, err := head(ctx, c.S3, o)
		if err != nil {
			return remediation.Result{}, err
		}
		if !there {
			gone = append(gone, o.String())
			continue
		}
		o.version = cmp.Or(o.version, v)
		if err := deleteObject(ctx, c.S3, o); err != nil {
			return remediation.Result{}, err
		}
		deleted = append(deleted, o.String())
	}
	detail := map[string]string{"changed": boolString(len(deleted) > 0)}
	if len(deleted) == 0 {
		return remediation.Result{Summary: "S3 object " + strings.Join(gone, ", ") +
			" was already deleted", Detail: detail}, nil
	}
	return remediation.Result{Summary: "deleted S3 object " + strings.Join(deleted, ", "),
		Detail: detail}, nil
}

// head returns o's version id and whether o (its version, if named) is
// there.
func head(ctx context.Context, c S3, o object) (string, bool, error) {
	in := &s3.HeadObjectInput{Bucket: sdk.String(o.bucket), Key: sdk.String(o.key)}
	if o.version != "" {
		in.VersionId = sdk.String(o.version)
	}
	out, err := c.HeadObject(ctx, in)
	switch {
	case notFound(err):
		return "", false, nil
	case err != nil:
		return "", false, fail("s3:HeadObject", err)
	}
	return sdk.ToString(out.VersionId), true, nil
}

// deleteObject deletes o's version for good; in a bucket without
// versioning, o itself.
func deleteObject(ctx context.Context, c S3, o object) error {
	in := &s3.DeleteObjectInput{Bucket: sdk.String(o.bucket), Key: sdk.String(o.key)}
	if o.version != "" && o.version != "null" {
		in.VersionId = sdk.String(o.version)
	}
	_, err := c.DeleteObject(ctx, in)
	return fail("s3:DeleteObject", err)
}

// copySource is o as CopyObject's x-amz-copy-source names it: bucket and
// URL-encoded key, and the version when there is one.
func copySource(o object) string {
	parts := strings.Split(o.key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	s := o.bucket + "/" + strings.Join(parts, "/")
	if o.version != "" && o.version != "null" {
		s += "?versionId=" + url.QueryEscape(o.version)
	}
	return s
}

// parseObject parses an s3://bucket/key URI.
func parseObject(s string) (object, bool) {
	bucket, key, ok := strings.Cut(strings.TrimPrefix(s, "s3://"), "/")
	return object{bucket: bucket, key: key}, ok && strings.HasPrefix(s, "s3://") &&
		bucket != "" && key != ""
}
