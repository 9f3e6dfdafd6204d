package storagetest

import (
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// base is the time every record is stamped from, so that no check depends
// on the clock. Its precision is the microsecond: SQL backends keep
// timestamps to the microsecond (PostgreSQL rounds finer values rather than
// truncating them), and sameTime compares at that precision.
var base = time.Date(2030, time.March, 4, 5, 6, 7, 123456000, time.UTC)

// at returns base moved by d.
func at(d time.Duration) time.Time { return base.Add(d) }

// newClient returns a client with every field set, distinct for each id.
func newClient(id string) *storage.Client {
	return &storage.Client{
		ID:         id,
		SecretHash: secret.HashSecret("secret-" + id),
		Name:       "Client " + id + " – ünïcode",
		RedirectURIs: []string{
			"https://" + id + ".example/callback",
			"http://127.0.0.1/" + id,
		},
		GrantTypes:    []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantRefreshToken},
		ResponseTypes: []grantry.ResponseType{grantry.ResponseCode},
		Scope:         grantry.Scope{"openid", "profile", id},
		AuthMethod:    grantry.AuthClientSecretPost,

		IDTokenSignedResponseAlg:         "ES256",
		SubjectType:                      storage.SubjectPairwise,
		SectorIdentifierURI:              "https://" + id + ".example/sector.json",
		PostLogoutRedirectURIs:           []string{"https://" + id + ".example/bye", "http://127.0.0.1/" + id + "/bye"},
		BackchannelLogoutURI:             "https://" + id + ".example/logout?from=op",
		BackchannelLogoutSessionRequired: true,

		JWKS:                               `{"keys":[{"kty":"oct","kid":"` + id + `","k":"c2VjcmV0"}]}`,
		JWKSURI:                            "https://" + id + ".example/jwks.json",
		TokenEndpointAuthSigningAlg:        "ES256",
		RequestObjectSigningAlg:            "PS256",
		RequireSignedRequestObject:         true,
		RequirePushedAuthorizationRequests: true,
		AccessTokenFormat:                  storage.AccessTokenJWT,
		SealedSecret:                       "sealed-" + id,
		RegistrationTokenHash:              secret.Digest("registration-" + id),
		ClientURI:                          "https://" + id + ".example/",
		LogoURI:                            "https://" + id + ".example/logo.png",
		TOSURI:                             "https://" + id + ".example/tos",
		PolicyURI:                          "https://" + id + ".example/policy",
		Contacts:                           []string{"admin@" + id + ".example", "ops@" + id + ".example"},
		SoftwareID:                         "software-" + id,
		SoftwareVersion:                    "1.0." + id,

		CreatedAt: at(-48 * time.Hour),
		UpdatedAt: at(-time.Hour),
	}
}

// newCode returns an unused authorization code with every field set,
// distinct for each name, valid from base for ten minutes.
func newCode(name string) *storage.AuthorizationCode {
	return &storage.AuthorizationCode{
		Hash:        secret.Digest("code-" + name),
		FamilyID:    "family-" + name,
		ClientID:    "client-" + name,
		RedirectURI: "https://app.example/cb?from=" + name,
		Scope:       grantry.Scope{"openid", "email", name},
		Subject:     "user-" + name,
		Resource:    []string{"https://api.example/" + name, "urn:example:resource"},
		AuthTime:    at(-2 * time.Minute),
		Nonce:       "nonce-" + name,
		// RFC 7636 Appendix B.
		CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256",
		Extra: map[string]string{
			"acr":    "urn:example:loa:2",
			"claims": `{"id_token":{"email":null}}`,
			"name":   name,
		},
		CreatedAt: base,
		ExpiresAt: at(10 * time.Minute),
	}
}

// minimalCode returns a code with only the fields every code has: no
// redirect URI, scope, subject, nonce, PKCE or extra values.
func minimalCode(name string) *storage.AuthorizationCode {
	return &storage.AuthorizationCode{
		Hash:      secret.Digest("code-" + name),
		ClientID:  "client-" + name,
		CreatedAt: base,
		ExpiresAt: at(10 * time.Minute),
	}
}

// newToken returns an active token with a refresh token and every field
// set, distinct for each name, in the given family. The access token is
// valid for an hour from base, the refresh token for thirty days.
func newToken(name, family string) *storage.Token {
	return &storage.Token{
		ID:               "token-" + name,
		FamilyID:         family,
		ClientID:         "client-" + name,
		Subject:          "user-" + name,
		GrantType:        grantry.GrantAuthorizationCode,
		Scope:            grantry.Scope{"openid", "offline_access", name},
		Resource:         []string{"https://api.example/" + name},
		RefreshResource:  []string{"https://api.example/" + name, "https://other.example/"},
		AccessHash:       secret.Digest("access-" + name),
		RefreshHash:      secret.Digest("refresh-" + name),
		IssuedAt:         base,
		ExpiresAt:        at(time.Hour),
		RefreshExpiresAt: at(30 * 24 * time.Hour),
		Extra:            map[string]string{"cnf": "jkt-" + name, "aud": "https://api.example/"},
		JKT:              "jkt-" + name,
	}
}

// accessOnly returns a token without refresh token, family or extra
// values, as the client credentials grant issues.
func accessOnly(name string) *storage.Token {
	return &storage.Token{
		ID:         "token-" + name,
		ClientID:   "client-" + name,
		GrantType:  grantry.GrantClientCredentials,
		AccessHash: secret.Digest("access-" + name),
		IssuedAt:   base,
		ExpiresAt:  at(time.Hour),
	}
}
