package authserver

import (
	"context"
	"net/http"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// Events are callbacks the server makes as things happen, for audit logs,
// metrics and the like. Each is called synchronously on the goroutine that
// serves the request, with the request's context; a slow callback slows
// the request. Nil callbacks are skipped at no cost. A callback must not
// modify the records it is given.
type Events struct {
	// ClientAuthenticated is called when a client has proved its identity
	// at any endpoint: in Server.AuthenticateClient, after the credentials,
	// the client's method for the endpoint and any client_id parameter
	// have been checked, and before the endpoint goes on with the request
	// (so also when the token endpoint then refuses the grant type). The
	// endpoint is grantry.EndpointToken, grantry.EndpointRevocation,
	// grantry.EndpointIntrospection or another endpoint's name. Failed
	// authentications are not reported.
	ClientAuthenticated func(ctx context.Context, client *storage.Client, method grantry.AuthMethod, endpoint string)
	// TokenIssued is called once a new token has been stored by the
	// TokenStore (created, or stored in place of a rotated refresh token),
	// at the token endpoint or (implicit grant) the authorization
	// endpoint, after the extensions' TokenResponse hooks ran and before
	// the response is written. tok holds digests only, never the tokens
	// themselves. A token whose storing failed is not reported.
	TokenIssued func(ctx context.Context, tok *storage.Token)
	// FamilyRevoked is called once the TokenStore has revoked a whole
	// family because a grant detected an attack: an authorization code
	// presented again (RFC 6749 §4.1.2) or a rotated refresh token used
	// again (RFC 9700 §4.14.2). It is called when a grant returns a *Replay, and
	// when TokenStore.RotateRefreshToken refuses a rotation with
	// storage.ErrRefreshReused, having revoked the family itself. clientID
	// is the client the family was issued to.
	FamilyRevoked func(ctx context.Context, familyID, clientID string)
	// Failed is called by Server.WriteError for every failed request it
	// answers, at the authorization, token and mounted endpoints, before
	// the answer is written: e is the error as it will be rendered (its
	// Cause, if any, is logged and never sent). r is the request.
	Failed func(r *http.Request, e *grantry.Error)
}
