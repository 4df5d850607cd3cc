package aws_test

import (
	"context"
	"testing"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/remediation"
)

// invoice is a file GuardDuty Malware Protection for S3 found, at one
// version of an object.
var invoice = alert.Entity{Type: alert.EntityFile,
	Key:        "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
	Attributes: map[string]string{"path": "s3://uploads/in/invoice 1.pdf", "version_id": "v1"}}

// version is a reply carrying an object's version id.
func version(status int, v string) reply {
	return reply{status: status, header: map[string]string{"x-amz-version-id": v}}
}

const copied = `<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>`

func TestQuarantineObjectOnceAndRestore(t *testing.T) {
	p, f := newProvider(t)
	r := newRequest(investigation.ActionQuarantineFile, invoice)

	// run once: copied into quarantine, the original version deleted
	f.onWith("HeadObject", reply{status: 404})
	f.onWith("HeadObject", version(200, "v1"))
	f.onWith("CopyObject", reply{status: 200, body: copied,
		header: map[string]string{"x-amz-version-id": "q1"}})
	f.onWith("DeleteObject", reply{status: 204})
	res := do(t, p, r)
	checkSummary(t, res, "quarantined s3://uploads/in/invoice 1.pdf into bucket "+
		"firebreak-quarantine", "true")
	heads := f.calls("HeadObject")
	checkPath(t, heads[0], "/firebreak-quarantine/quarantine/act-1/uploads/in/invoice 1.pdf", "")
	checkPath(t, heads[1], "/uploads/in/invoice 1.pdf", "v1")
	cp := f.calls("CopyObject")[0]
	checkPath(t, cp, "/firebreak-quarantine/quarantine/act-1/uploads/in/invoice 1.pdf", "")
	if got, want := cp.header.Get("X-Amz-Copy-Source"),
		"uploads/in/invoice%201.pdf?versionId=v1"; got != want {
		t.Errorf("copy source: got %q, want %q", got, want)
	}
	checkPath(t, f.calls("DeleteObject")[0], "/uploads/in/invoice 1.pdf", "v1")
	checkOps(t, f, "HeadObject", "HeadObject", "CopyObject", "DeleteObject")

	// again: the copy is there, the original gone
	f.onWith("HeadObject", version(200, "q1"))
	f.onWith("HeadObject", reply{status: 404})
	again := do(t, p, r)
	checkSummary(t, again, "already quarantined s3://uploads/in/invoice 1.pdf", "false")
	checkOps(t, f, "HeadObject", "HeadObject")

	// after a crash between copy and delete: only the delete
	f.onWith("HeadObject", version(200, "q1"))
	f.onWith("HeadObject", version(200, "v1"))
	f.onWith("DeleteObject", reply{status: 204})
	do(t, p, r)
	checkOps(t, f, "HeadObject", "HeadObject", "DeleteObject")

	// restored: copied back from the quarantine's version
	f.onWith("HeadObject", reply{status: 404})
	f.onWith("CopyObject", reply{status: 200, body: copied})
	got := undo(t, p, r, res)
	checkSummary(t, got, "restored s3://uploads/in/invoice 1.pdf from quarantine", "")
	cp = f.calls("CopyObject")[0]
	checkPath(t, cp, "/uploads/in/invoice 1.pdf", "")
	if got, want := cp.header.Get("X-Amz-Copy-Source"), "firebreak-quarantine/quarantine/"+
		"act-1/uploads/in/invoice%201.pdf?versionId=q1"; got != want {
		t.Errorf("copy source: got %q, want %q", got, want)
	}
	checkOps(t, f, "HeadObject", "CopyObject")
}

func TestQuarantineMissingObjectIsPermanent(t *testing.T) {
	p, f := newProvider(t)
	f.onWith("HeadObject", reply{status: 404})
	f.onWith("HeadObject", reply{status: 404})
	_, err := p.Do(context.Background(), newRequest(investigation.ActionQuarantineFile, invoice))
	if !remediation.Permanent(err) {
		t.Errorf("Do: got %v, want a permanent error", err)
	}
}

func TestDeleteObjectOnce(t *testing.T) {
	p, f := newProvider(t)
	target := alert.Entity{Type: alert.EntityFile, Key: "s3://uploads/x.exe"}
	r := newRequest(investigation.ActionDeleteFile, target)
	f.onWith("HeadObject", version(200, "v7"))
	f.onWith("DeleteObject", reply{status: 204})
	res := do(t, p, r)
	checkSummary(t, res, "deleted S3 object s3://uploads/x.exe", "true")
	checkPath(t, f.calls("DeleteObject")[0], "/uploads/x.exe", "v7")
	checkOps(t, f, "HeadObject", "DeleteObject")

	f.onWith("HeadObject", reply{status: 404})
	res = do(t, p, r)
	checkSummary(t, res, "S3 object s3://uploads/x.exe was already deleted", "false")
	checkOps(t, f, "HeadObject")
	if _, err := p.Undo(context.Background(), r, res); !remediation.Permanent(err) {
		t.Errorf("Undo: got %v, want a permanent error", err)
	}
}

func TestFileWithoutS3ObjectIsNotAnAWSAction(t *testing.T) {
	p, _ := newProvider(t)
	file := alert.Entity{Type: alert.EntityFile, Key: "abc",
		Attributes: map[string]string{"path": "/tmp/eicar.com"}}
	r := newRequest(investigation.ActionQuarantineFile, file)
	if p.Handles(r) {
		t.Error("Handles a file on a host: got true, want false")
	}
}

// checkPath checks a REST request's path and versionId.
func checkPath(t *testing.T, r request, path, version string) {
	t.Helper()
	if r.path != path || r.query.Get("versionId") != version {
		t.Errorf("%s: got %s?versionId=%s, want %s?versionId=%s", r.op, r.path,
			r.query.Get("versionId"), path, version)
	}
}
