package storagetest

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
)

// sameTime compares times to the microsecond, the precision SQL backends
// keep; the instant matters, not the location.
func sameTime(a, b time.Time) bool {
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}

// diff collects the fields in which a record differs from the one wanted.
// Nil and empty slices and maps are equal: a backend need not tell them
// apart.
type diff []string

func (d *diff) str(field, got, want string) {
	if got != want {
		*d = append(*d, fmt.Sprintf("%s: got %q, want %q", field, got, want))
	}
}

func (d *diff) strs(field string, got, want []string) {
	if !slices.Equal(got, want) {
		*d = append(*d, fmt.Sprintf("%s: got %q, want %q", field, got, want))
	}
}

func (d *diff) time(field string, got, want time.Time) {
	if !sameTime(got, want) {
		*d = append(*d, fmt.Sprintf("%s: got %v, want %v", field, got, want))
	}
}

func (d *diff) extra(got, want map[string]string) {
	if !maps.Equal(got, want) {
		*d = append(*d, fmt.Sprintf("Extra: got %q, want %q", got, want))
	}
}

func (d *diff) flag(field string, got, want bool) {
	if got != want {
		*d = append(*d, fmt.Sprintf("%s: got %t, want %t", field, got, want))
	}
}

// report fails t with every difference, naming what was compared.
func (d diff) report(t *testing.T, what string) {
	t.Helper()
	for _, s := range d {
		t.Errorf("%s: %s", what, s)
	}
}

func clientDiff(got, want *storage.Client) diff {
	var d diff
	d.str("ID", got.ID, want.ID)
	d.str("SecretHash", got.SecretHash, want.SecretHash)
	d.str("Name", got.Name, want.Name)
	d.strs("RedirectURIs", got.RedirectURIs, want.RedirectURIs)
	d.strs("GrantTypes", asStrings(got.GrantTypes), asStrings(want.GrantTypes))
	d.strs("ResponseTypes", asStrings(got.ResponseTypes), asStrings(want.ResponseTypes))
	d.strs("Scope", got.Scope, want.Scope)
	d.str("AuthMethod", string(got.AuthMethod), string(want.AuthMethod))
	d.str("IDTokenSignedResponseAlg", got.IDTokenSignedResponseAlg, want.IDTokenSignedResponseAlg)
	d.str("SubjectType", got.SubjectType, want.SubjectType)
	d.str("SectorIdentifierURI", got.SectorIdentifierURI, want.SectorIdentifierURI)
	d.strs("PostLogoutRedirectURIs", got.PostLogoutRedirectURIs, want.PostLogoutRedirectURIs)
	d.str("BackchannelLogoutURI", got.BackchannelLogoutURI, want.BackchannelLogoutURI)
	d.flag("BackchannelLogoutSessionRequired", got.BackchannelLogoutSessionRequired, want.BackchannelLogoutSessionRequired)
	d.str("JWKS", got.JWKS, want.JWKS)
	d.str("JWKSURI", got.JWKSURI, want.JWKSURI)
	d.str("TokenEndpointAuthSigningAlg", got.TokenEndpointAuthSigningAlg, want.TokenEndpointAuthSigningAlg)
	d.str("RequestObjectSigningAlg", got.RequestObjectSigningAlg, want.RequestObjectSigningAlg)
	d.flag("RequireSignedRequestObject", got.RequireSignedRequestObject, want.RequireSignedRequestObject)
	d.flag("RequirePushedAuthorizationRequests", got.RequirePushedAuthorizationRequests, want.RequirePushedAuthorizationRequests)
	d.str("AccessTokenFormat", got.AccessTokenFormat, want.AccessTokenFormat)
	d.str("SealedSecret", got.SealedSecret, want.SealedSecret)
	d.str("RegistrationTokenHash", got.RegistrationTokenHash, want.RegistrationTokenHash)
	d.str("ClientURI", got.ClientURI, want.ClientURI)
	d.str("LogoURI", got.LogoURI, want.LogoURI)
	d.str("TOSURI", got.TOSURI, want.TOSURI)
	d.str("PolicyURI", got.PolicyURI, want.PolicyURI)
	d.strs("Contacts", got.Contacts, want.Contacts)
	d.str("SoftwareID", got.SoftwareID, want.SoftwareID)
	d.str("SoftwareVersion", got.SoftwareVersion, want.SoftwareVersion)
	d.time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.time("UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	return d
}

func codeDiff(got, want *storage.AuthorizationCode) diff {
	var d diff
	d.str("Hash", got.Hash, want.Hash)
	d.str("FamilyID", got.FamilyID, want.FamilyID)
	d.str("ClientID", got.ClientID, want.ClientID)
	d.str("RedirectURI", got.RedirectURI, want.RedirectURI)
	d.strs("Scope", got.Scope, want.Scope)
	d.str("Subject", got.Subject, want.Subject)
	d.strs("Resource", got.Resource, want.Resource)
	d.time("AuthTime", got.AuthTime, want.AuthTime)
	d.str("Nonce", got.Nonce, want.Nonce)
	d.str("CodeChallenge", got.CodeChallenge, want.CodeChallenge)
	d.str("CodeChallengeMethod", got.CodeChallengeMethod, want.CodeChallengeMethod)
	d.extra(got.Extra, want.Extra)
	d.time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.time("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	d.time("UsedAt", got.UsedAt, want.UsedAt)
	return d
}

func tokenDiff(got, want *storage.Token) diff {
	var d diff
	d.str("ID", got.ID, want.ID)
	d.str("FamilyID", got.FamilyID, want.FamilyID)
	d.str("ClientID", got.ClientID, want.ClientID)
	d.str("Subject", got.Subject, want.Subject)
	d.str("GrantType", string(got.GrantType), string(want.GrantType))
	d.strs("Scope", got.Scope, want.Scope)
	d.strs("Resource", got.Resource, want.Resource)
	d.strs("RefreshResource", got.RefreshResource, want.RefreshResource)
	d.str("AccessHash", got.AccessHash, want.AccessHash)
	d.str("RefreshHash", got.RefreshHash, want.RefreshHash)
	d.time("IssuedAt", got.IssuedAt, want.IssuedAt)
	d.time("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	d.time("RefreshExpiresAt", got.RefreshExpiresAt, want.RefreshExpiresAt)
	d.flag("Revoked", got.Revoked, want.Revoked)
	d.extra(got.Extra, want.Extra)
	d.str("JKT", got.JKT, want.JKT)
	d.str("Successor", got.Successor, want.Successor)
	d.str("SealedSuccessor", got.SealedSuccessor, want.SealedSuccessor)
	d.time("GraceUntil", got.GraceUntil, want.GraceUntil)
	return d
}

func asStrings[S ~[]E, E ~string](s S) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}
