package microsoft

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/firebreak/firebreak/shared/remediation"
)

// Well-known mail folder names of Graph.
const (
	folderDeletedItems = "deleteditems"
	folderInbox        = "inbox"
)

// message is the part of a Graph message the provider reads.
type message struct {
	ID string `json:"id"`
}

// deleteMessage soft-deletes the message from the mailbox the action is
// scoped to by moving it to Deleted Items, where the owner and undo can
// still recover it: POST /users/{mailbox}/messages/{id}/move
// {"destinationId": "deleteditems"}. The message is found by its
// Internet message id. A move gives the message a new id, which undo
// needs.
func (p *Provider) deleteMessage(ctx context.Context, r remediation.Request) (
	remediation.Result, error) {
	box := r.Scope.Key
	if box == "" {
		return remediation.Result{}, p.permanent("delete_email needs a mailbox scope")
	}
	id, err := p.findMessage(ctx, box, internetMessageID(r))
	if err != nil {
		return remediation.Result{}, err
	}
	moved, err := p.move(ctx, box, id, folderDeletedItems)
	if err != nil {
		return remediation.Result{}, err
	}
	return remediation.Result{
		Summary: fmt.Sprintf("moved message %s in mailbox %s to Deleted Items",
			internetMessageID(r), box),
		Detail: map[string]string{"mailbox": box, "message_id": moved},
	}, nil
}

// restoreMessage moves the message back to the Inbox.
func (p *Provider) restoreMessage(ctx context.Context, r remediation.Request,
	done remediation.Result) (remediation.Result, error) {
	box, id := done.Detail["mailbox"], done.Detail["message_id"]
	if box == "" || id == "" {
		return remediation.Result{}, p.permanent("no message id was recorded for %s",
			r.ActionID)
	}
	if _, err := p.move(ctx, box, id, folderInbox); err != nil {
		return remediation.Result{}, err
	}
	return remediation.Result{Summary: fmt.Sprintf("moved message %s in mailbox %s back "+
		"to the Inbox", internetMessageID(r), box)}, nil
}

// findMessage returns the Graph id of the message with Internet message
// id imid in mailbox box, in any folder.
func (p *Provider) findMessage(ctx context.Context, box, imid string) (string, error) {
	q := url.Values{"$filter": {"internetMessageId eq '" + odataString(imid) + "'"},
		"$select": {"id"}}
	var found struct {
		Value []message `json:"value"`
	}
	_, err := p.graph(ctx, http.MethodGet, "/users/"+esc(box)+"/messages?"+q.Encode(), nil,
		&found)
	if err != nil {
		return "", err
	}
	if len(found.Value) == 0 {
		return "", p.permanent("mailbox %s holds no message %s", box, imid)
	}
	return found.Value[0].ID, nil
}

// move moves message id of mailbox box to folder and returns its new id.
func (p *Provider) move(ctx context.Context, box, id, folder string) (string, error) {
	var moved message
	_, err := p.graph(ctx, http.MethodPost, "/users/"+esc(box)+"/messages/"+esc(id)+"/move",
		map[string]string{"destinationId": folder}, &moved)
	return moved.ID, err
}

// internetMessageID returns the target message's Internet message id, in
// angle brackets as Graph keeps it.
func internetMessageID(r remediation.Request) string {
	id := r.Target.Attributes["internet_message_id"]
	if id == "" {
		id = r.Target.Key
	}
	if id != "" && id[0] != '<' {
		id = "<" + id + ">"
	}
	return id
}
