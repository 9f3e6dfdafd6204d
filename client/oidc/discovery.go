package oidc

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/grantry/grantry/internal/origin"
)

// maxDocumentBytes bounds the metadata and UserInfo documents read.
const maxDocumentBytes = 1 << 20

// WellKnownOpenID returns the OpenID Connect configuration URL of issuer:
// the issuer, without a trailing slash, followed by
// /.well-known/openid-configuration (OpenID Connect Discovery 1.0 §4.1).
func WellKnownOpenID(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
}

// WellKnownOAuth returns the RFC 8414 metadata URL of issuer: the
// well-known path is inserted between the host and the issuer's path (RFC
// 8414 §3.1).
func WellKnownOAuth(issuer string) (string, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%w: issuer %q is not an absolute URL", ErrMetadata, issuer)
	}
	u.Path = "/.well-known/oauth-authorization-server" + strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

// Discover fetches the OpenID Connect configuration of issuer and returns
// the provider it describes. The issuer in the document must equal issuer
// exactly (OpenID Connect Discovery 1.0 §4.3).
func Discover(ctx context.Context, issuer string, cfg ProviderConfig) (*Provider, error) {
	return DiscoverFrom(ctx, WellKnownOpenID(issuer), issuer, cfg)
}

// DiscoverFrom fetches provider metadata from metadataURL, such as the
// [WellKnownOAuth] URL of an RFC 8414 server, and returns the provider it
// describes. The issuer in the document must equal issuer exactly (RFC 8414
// §3.3). When issuer is empty and metadataURL is a well-known URL, the
// issuer it was built from (see [IssuersOf]) must be the document's; any
// other URL is trusted to name the provider and the document's issuer is
// taken as it is.
func DiscoverFrom(ctx context.Context, metadataURL, issuer string, cfg ProviderConfig) (*Provider, error) {
	meta, err := FetchMetadata(ctx, metadataURL, issuer, cfg)
	if err != nil {
		return nil, err
	}
	return NewProvider(meta, cfg)
}

// FetchMetadata fetches and parses the metadata document at metadataURL,
// checking its issuer as [DiscoverFrom] does, without making a Provider:
// for an OAuth 2.0 authorization server (RFC 8414) that publishes no
// jwks_uri, as it issues no ID tokens.
func FetchMetadata(ctx context.Context, metadataURL, issuer string, cfg ProviderConfig) (*Metadata, error) {
	if _, err := origin.ParseSecure(metadataURL, cfg.InsecureAllowHTTP); err != nil {
		return nil, fmt.Errorf("oidc: metadata URL %q %w", metadataURL, err)
	}
	meta, err := fetchMetadata(ctx, cfg.httpClient(), metadataURL)
	if err != nil {
		return nil, err
	}
	if issuer != "" && meta.Issuer != issuer {
		return nil, fmt.Errorf("%w: asked for %q, document says %q", ErrIssuerMismatch, issuer, meta.Issuer)
	}
	if issuer == "" {
		if want := IssuersOf(metadataURL); want != nil && !slices.Contains(want, meta.Issuer) {
			return nil, fmt.Errorf("%w: %s names %q", ErrIssuerMismatch, metadataURL, meta.Issuer)
		}
	}
	return meta, nil
}

// The well-known path segments of OpenID Connect Discovery 1.0 §4 and
// RFC 8414 §3.
var wellKnownPaths = []string{
	"/.well-known/openid-configuration",
	"/.well-known/oauth-authorization-server",
}

// IssuersOf returns the issuers a well-known metadata URL may have been
// built from: the path before a trailing well-known segment (OpenID
// Connect Discovery 1.0 §4.1) or after a leading one (RFC 8414 §3.1), each
// with and without a trailing slash. It returns nil for a URL of no
// well-known form, with a query, or with a fragment.
func IssuersOf(metadataURL string) []string {
	u, err := url.Parse(metadataURL)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil
	}
	base := u.Scheme + "://" + u.Host
	path := u.EscapedPath()
	var out []string
	for _, w := range wellKnownPaths {
		if rest, ok := strings.CutSuffix(path, w); ok {
			out = append(out, base+rest, base+rest+"/")
		} else if rest, ok := strings.CutPrefix(path, w); ok && (rest == "" || rest[0] == '/') {
			out = append(out, base+rest)
			if !strings.HasSuffix(rest, "/") {
				out = append(out, base+rest+"/")
			}
		}
	}
	return out
}

func fetchMetadata(ctx context.Context, client *http.Client, metadataURL string) (*Metadata, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metadataURL, nil)
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("oidc: fetching metadata: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("oidc: fetching metadata: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered HTTP %d", ErrMetadata, metadataURL, resp.StatusCode)
	}
	if len(body) > maxDocumentBytes {
		return nil, fmt.Errorf("%w: document too large", ErrMetadata)
	}
	return ParseMetadata(body)
}
