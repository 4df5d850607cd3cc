package tenant_test

import (
	"context"
	"slices"
	"testing"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/tenant"
	"github.com/google/go-cmp/cmp"
)

// question is one of the four a DataSource answers.
type question func(*tenant.Tenant, context.Context, alert.Entity) (datasource.Finding, error)

var (
	describe = question((*tenant.Tenant).Describe)
	origin   = question((*tenant.Tenant).Origin)
	affected = question((*tenant.Tenant).Affected)
	hunt     = question((*tenant.Tenant).Hunt)
)

// Sample entities of events/tenant/tenant.json.
const (
	web01     = "i-0a1b2c3d4e5f60718"
	wsAlex    = "73e7e2de709dff64ef64b1d0c30e67fab63280ac"
	curl      = web01 + ":4242"
	dropper   = wsAlex + ":4780:2024-04-26T07:45:49.0772577Z"
	explorer  = wsAlex + ":6612:2024-04-26T07:31:09.0909239Z"
	alex      = "alex.doe@example.com"
	alexARN   = "arn:aws:iam::123456789012:user/alex.doe"
	loginURL  = "https://login-verify.malicious.example/owa/auth"
	docsURL   = "https://docs-share.malicious.example/view/x9k2p4q7"
	storage   = "5aafe94c-e47d-41ac-b4cb-08dd53eb21f1"
	storage2  = "7c1e2f3a-0b4d-4e5f-9a8b-1c2d3e4f5a6b"
	docs      = "20250313095820.4f2a91c3d7e5@sender.example.net"
	payroll   = "CAF7x2pQ1b9k@sender.example.net"
	reconKey  = "AKIAIOSFODNN7EXAMPLE"
	alexKey2  = "AKIAI44QH8DHBEXAMPLE"
	ciBotKey  = "AKIAEXAMPLECIBOT0001"
	reconIP   = "198.51.100.77"
	financeS3 = "arn:aws:s3:::example-finance-reports"
)

func ent(typ alert.EntityType, key string) alert.Entity {
	return alert.Entity{Type: typ, Key: key}
}

// summary returns a finding's related entities as "kind type:key", with
// " @mailbox" for a copy of a message, sorted.
func summary(f datasource.Finding) []string {
	var s []string
	for _, r := range f.Related {
		line := r.Kind + " " + r.Entity.Ref()
		if mb := r.Entity.Attributes["mailbox"]; mb != "" {
			line += " @" + mb
		}
		s = append(s, line)
	}
	slices.Sort(s)
	return s
}

func TestRelations(t *testing.T) {
	tests := []struct {
		name string
		ask  question
		of   alert.Entity
		want []string
	}{
		{"file origin", origin, ent(alert.EntityFile, eicar), []string{
			"attached_to email_message:" + payroll + " @jamie.roe@example.com",
			"created_by process:" + curl,
			"downloaded_from url:http://dl.malicious.example/eicar.com",
		}},
		{"file hunt", hunt, ent(alert.EntityFile, eicar), []string{
			"held_by host:" + wsAlex,
			"held_by host:" + web01,
			"held_by host:i-0b2c3d4e5f6071829",
			"held_by host:lnx-web-02.corp.example",
		}},
		{"file affected is left to hunt", affected, ent(alert.EntityFile, eicar), nil},
		{"host affected", affected, ent(alert.EntityHost, web01), []string{
			"runs process:" + web01 + ":1022",
			"runs process:" + web01 + ":4100",
			"runs process:" + curl,
			"used_by user:deploy",
			"used_by user:ec2-user",
		}},
		{"host origin", origin, ent(alert.EntityHost, web01), nil},
		{"process origin", origin, ent(alert.EntityProcess, curl), []string{
			"image file:d50b2a005b29f35352a312af95098f9665ff8f009112d835e34c8d9bffb605f4",
			"parent_process process:" + web01 + ":1022",
			"parent_process process:" + web01 + ":4100",
		}},
		{"process origin on windows", origin, ent(alert.EntityProcess, dropper), []string{
			"image file:" + eicar,
			"parent_process process:" + explorer,
		}},
		{"process affected", affected, ent(alert.EntityProcess, dropper), []string{
			"run_by user:" + alex,
		}},
		{"user origin", origin, ent(alert.EntityUser, alex), []string{
			"signed_in_from ip:192.0.2.31",
			"signed_in_from ip:198.51.100.73",
		}},
		{"user origin leaves failed sign-ins out", origin,
			ent(alert.EntityUser, "sam.lee@example.com"), []string{
				"signed_in_from ip:192.0.2.78",
			}},
		{"user affected", affected, ent(alert.EntityUser, "Alex.Doe@Example.com"), []string{
			"logged_on_to host:" + wsAlex,
			"owns mailbox:" + alex,
		}},
		{"principal affected", affected, ent(alert.EntityUser, alexARN), []string{
			"owns access_key:" + alexKey2,
			"owns access_key:" + reconKey,
		}},
		{"ip hunt", hunt, ent(alert.EntityIP, "192.0.2.31"), []string{
			"assigned_to host:" + wsAlex,
			"signed_in_as user:" + alex,
			"used_key access_key:" + alexKey2,
		}},
		{"ip hunt of keys", hunt, ent(alert.EntityIP, reconIP), []string{
			"used_key access_key:" + ciBotKey,
			"used_key access_key:" + reconKey,
		}},
		{"url origin", origin,
			ent(alert.EntityURL, "HTTPS://Login-Verify.malicious.example/owa/auth"),
			[]string{"hosted_on domain:login-verify.malicious.example"}},
		{"url affected", affected, ent(alert.EntityURL, docsURL), []string{
			"clicked_by user:" + alex,
			"clicked_by user:sam.lee@example.com",
		}},
		{"url hunt", hunt, ent(alert.EntityURL, loginURL), []string{
			"found_in email_message:" + storage + " @alex.doe@example.com",
			"found_in email_message:" + storage + " @jamie.roe@example.com",
			"found_in email_message:" + storage2 + " @sam.lee@example.com",
		}},
		{"domain hunt", hunt, ent(alert.EntityDomain, "docs-share.malicious.example."), []string{
			"found_in email_message:" + docs + " @alex.doe@example.com",
			"found_in email_message:" + docs + " @sam.lee@example.com",
			"resolved_by host:" + wsAlex,
		}},
		{"domain hunt of a download", hunt, ent(alert.EntityDomain, "dl.malicious.example"),
			[]string{"resolved_by host:" + web01}},
		{"message origin", origin, ent(alert.EntityEmailMessage, storage), []string{
			"sent_by mailbox:it-helpdesk@sender.example.net",
			"sent_from ip:203.0.113.45",
		}},
		{"message affected", affected, ent(alert.EntityEmailMessage, storage), []string{
			"clicked_by user:jamie.roe@example.com",
			"contains url:" + loginURL,
			"delivered_to mailbox:" + alex,
			"delivered_to mailbox:jamie.roe@example.com",
		}},
		{"message affected by clicks from it or from no message", affected,
			ent(alert.EntityEmailMessage, docs), []string{
				"clicked_by user:" + alex,
				"clicked_by user:sam.lee@example.com",
				"contains url:" + docsURL,
				"delivered_to mailbox:" + alex,
				"delivered_to mailbox:sam.lee@example.com",
			}},
		{"message affected by its attachment", affected,
			ent(alert.EntityEmailMessage, payroll), []string{
				"attaches file:" + eicar,
				"delivered_to mailbox:jamie.roe@example.com",
			}},
		{"message hunt", hunt, ent(alert.EntityEmailMessage, storage), []string{
			"same_sender email_message:" + storage2 + " @sam.lee@example.com",
			"same_url email_message:" + storage2 + " @sam.lee@example.com",
		}},
		{"message hunt finds no other", hunt, ent(alert.EntityEmailMessage, docs), nil},
		{"mailbox affected", affected, ent(alert.EntityMailbox, alex), []string{
			"owned_by user:" + alex,
		}},
		{"key origin", origin, ent(alert.EntityAccessKey, reconKey), []string{
			"called_from ip:" + reconIP,
			"owned_by user:" + alexARN,
		}},
		{"key affected", affected, ent(alert.EntityAccessKey, reconKey), []string{
			"accessed cloud_resource:" + financeS3,
		}},
		{"key hunt", hunt, ent(alert.EntityAccessKey, reconKey), []string{
			"same_caller access_key:" + ciBotKey,
			"same_principal access_key:" + alexKey2,
		}},
		{"key hunt by caller", hunt, ent(alert.EntityAccessKey, ciBotKey), []string{
			"same_caller access_key:" + reconKey,
		}},
	}
	tn := seeded(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tt.ask(tn, context.Background(), tt.of)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, summary(f)); diff != "" {
				t.Errorf("related of %s (-want +got):\n%s", tt.of.Ref(), diff)
			}
		})
	}
}

func TestUnknownEntitiesGiveEmptyFindings(t *testing.T) {
	unknown := []alert.Entity{
		ent(alert.EntityHost, "i-0ffffffffffffffff"),
		ent(alert.EntityFile, "0d4b9f6cfb1c3dbd1b5c5f7b18ee2a7d5b6f3b0e5ea3e4ac6cc1f0e0b6a3f9c3"),
		ent(alert.EntityFile, "0000000000000000000000000000000000000000000000000000000000000000"),
		ent(alert.EntityProcess, "i-0ffffffffffffffff:1"),
		ent(alert.EntityUser, "nobody@example.com"),
		ent(alert.EntityIP, "192.0.2.250"),
		ent(alert.EntityIP, "not an address"),
		ent(alert.EntityURL, "https://nowhere.example/"),
		ent(alert.EntityDomain, "nowhere.example"),
		ent(alert.EntityEmailMessage, "no-such-message@example.com"),
		ent(alert.EntityMailbox, "nobody@example.com"),
		ent(alert.EntityAccessKey, "AKIANOSUCHKEY0000000"),
		ent(alert.EntityCloudResource, financeS3),
		ent("printer", "hp-01"),
	}
	tn := seeded(t)
	for _, e := range unknown {
		for name, ask := range map[string]question{"Describe": describe, "Origin": origin,
			"Affected": affected, "Hunt": hunt} {
			got, err := ask(tn, context.Background(), e)
			if err != nil {
				t.Fatalf("%s(%s): %v", name, e.Ref(), err)
			}
			if !cmp.Equal(got, datasource.Finding{}) {
				t.Errorf("%s(%s) = %+v, want an empty finding", name, e.Ref(), got)
			}
		}
	}
}

func TestNameIsTenant(t *testing.T) {
	if got := tenant.New(nil, "t").Name(); got != "tenant" {
		t.Errorf("Name() = %q, want %q", got, "tenant")
	}
}
