package registration

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// The client configuration endpoint (RFC 7592 §2): a registered client
// reads, updates and deletes its registration with its registration
// access token.

// read answers a client read request (RFC 7592 §2.1): 200 with the
// client information response. The secret and the registration access
// token are stored as hashes only, so the response carries neither: the
// client keeps using those it holds.
func (e *Endpoint) read(w http.ResponseWriter, r *http.Request, id string) error {
	c, err := e.authorizeClient(r.Context(), r, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e.response(c, "", "", ""))
}

// update answers a client update request (RFC 7592 §2.2): the metadata
// sent replaces the registered metadata, omitted members going back to
// their defaults. The body names the client's client_id, and its
// client_secret, if it holds one, must be the current one; the members
// only the server sets may not be sent. The answer is 200 with the client
// information response and a new registration access token, the old one
// no longer valid; a new secret is issued only when the client changes to
// a method that needs one it does not have.
func (e *Endpoint) update(w http.ResponseWriter, r *http.Request, id string) error {
	ctx := r.Context()
	old, err := e.authorizeClient(ctx, r, id)
	if err != nil {
		return err
	}
	body, err := e.readJSON(r)
	if err != nil {
		return err
	}
	m, err := decodeMembers(body)
	if err != nil {
		return err
	}
	if err := checkUpdateMembers(m, old); err != nil {
		return err
	}
	c, stmt, err := e.clientFrom(ctx, m)
	if err != nil {
		return err
	}
	c.ID, c.CreatedAt, c.UpdatedAt = old.ID, old.CreatedAt, e.now()
	plain, err := e.keepSecret(c, old)
	if err != nil {
		return err
	}
	token := e.issueRegistrationToken(c)
	if err := e.clients.UpdateClient(ctx, c); err != nil {
		return e.storeError(err)
	}
	if e.cfg.Updated != nil {
		e.cfg.Updated(ctx, c)
	}
	return writeJSON(w, http.StatusOK, e.response(c, plain, token, stmt))
}

// checkUpdateMembers applies RFC 7592 §2.2 to the members of an update:
// client_id is the client's, client_secret, when sent, its current secret,
// and none of the members the server sets is sent.
func checkUpdateMembers(m members, old *storage.Client) error {
	if list := m.serverMembers(); len(list) > 0 {
		return invalidMetadata(fmt.Sprintf("an update may not send %s (RFC 7592 §2.2)", strings.Join(list, ", ")))
	}
	var id string
	if json.Unmarshal(m[memberClientID], &id) != nil || id != old.ID {
		return invalidMetadata("client_id must be the client's own (RFC 7592 §2.2)")
	}
	raw, ok := m[memberClientSecret]
	if !ok {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil || !secret.Verify(old.SecretHash, s) {
		return invalidMetadata("client_secret is not the client's current secret (RFC 7592 §2.2)")
	}
	return nil
}

// keepSecret carries the old secret over to c when c's method uses the
// same kind of secret, and otherwise issues a new one (or none).
func (e *Endpoint) keepSecret(c, old *storage.Client) (string, error) {
	sameKind := old.SecretHash != "" && (c.AuthMethod == old.TokenEndpointAuthMethod() ||
		c.AuthMethod != grantry.AuthClientSecretJWT && old.SealedSecret == "" && usesSecret(c.AuthMethod))
	if sameKind {
		c.SecretHash, c.SealedSecret = old.SecretHash, old.SealedSecret
		if c.AuthMethod != grantry.AuthClientSecretJWT {
			c.SealedSecret = ""
		}
		return "", nil
	}
	return e.issueSecret(c)
}

func usesSecret(m grantry.AuthMethod) bool {
	return m == grantry.AuthClientSecretBasic || m == grantry.AuthClientSecretPost || m == grantry.AuthClientSecretJWT
}

// delete answers a client delete request (RFC 7592 §2.3): 204, the
// client and, by storage.ClientRegistry.DeleteClient, its tokens, codes
// and consents gone.
func (e *Endpoint) delete(w http.ResponseWriter, r *http.Request, id string) error {
	ctx := r.Context()
	c, err := e.authorizeClient(ctx, r, id)
	if err != nil {
		return err
	}
	if err := e.clients.DeleteClient(ctx, c.ID); err != nil {
		return e.storeError(err)
	}
	if e.cfg.Deleted != nil {
		e.cfg.Deleted(ctx, c.ID)
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// storeError answers a failed change: a client deleted meanwhile is the
// 401 of an unknown client (RFC 7592 §2.2).
func (e *Endpoint) storeError(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return e.challenge(true)
	}
	return authserver.AsError(err)
}
