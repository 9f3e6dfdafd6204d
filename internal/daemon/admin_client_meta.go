package daemon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/internal/origin"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// The OpenID Connect registration metadata of a client (OpenID Connect
// Dynamic Client Registration 1.0 §2, RP-Initiated Logout 1.0 §3.1,
// Back-Channel Logout 1.0 §2.2), as client create and client update set it.

// sectorHTTPClient fetches sector_identifier_uri documents; tests replace
// it with one that trusts their TLS server.
var sectorHTTPClient = &http.Client{Timeout: 10 * time.Second}

// The names of the metadata flags.
const (
	flagIDTokenAlg      = "id-token-alg"
	flagSubjectType     = "subject-type"
	flagSectorURI       = "sector-identifier-uri"
	flagPostLogoutURI   = "post-logout-redirect-uri"
	flagBackchannelURI  = "backchannel-logout-uri"
	flagBackchannelSess = "backchannel-logout-session-required"
	flagTokenFormat     = "access-token-format"
)

// clientMetaFlags are the flags of the metadata.
type clientMetaFlags struct {
	idTokenAlg, subjectType, sectorURI, backchannelURI string
	postLogout                                         listFlag
	sessionRequired                                    bool
	tokenFormat                                        string
}

func (f *clientMetaFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.idTokenAlg, flagIDTokenAlg, "", "`ALG` to sign ID tokens with: "+algorithmNames()+"; default: the server's")
	fs.StringVar(&f.subjectType, flagSubjectType, "", "subject type: public or pairwise; default: public")
	fs.StringVar(&f.sectorURI, flagSectorURI, "", "https `URL` of a JSON array listing every redirect URI; its host is the sector of pairwise subjects")
	fs.Var(&f.postLogout, flagPostLogoutURI, "`URI` to return to after logout, matched exactly; repeat the flag for several")
	fs.StringVar(&f.backchannelURI, flagBackchannelURI, "", "`URL` the server posts logout tokens to (https unless on a loopback host)")
	fs.BoolVar(&f.sessionRequired, flagBackchannelSess, false, "logout tokens must carry the session ID (sid)")
	fs.StringVar(&f.tokenFormat, flagTokenFormat, "", "access token `FORMAT`: opaque, or jwt (RFC 9068, signed with the server's keys); empty: the server's --access-token-format")
}

func algorithmNames() string {
	var names []string
	for _, a := range keyset.AsymmetricAlgorithms() {
		names = append(names, string(a))
	}
	return strings.Join(names, ", ")
}

// apply sets on c the metadata of the flags that isSet selects, and checks
// all of c's metadata.
func (f *clientMetaFlags) apply(c *storage.Client, isSet func(name string) bool) error {
	if isSet(flagIDTokenAlg) {
		c.IDTokenSignedResponseAlg = f.idTokenAlg
	}
	if isSet(flagSubjectType) {
		c.SubjectType = f.subjectType
	}
	if isSet(flagSectorURI) {
		c.SectorIdentifierURI = f.sectorURI
	}
	if isSet(flagPostLogoutURI) {
		c.PostLogoutRedirectURIs = f.postLogout.vals
	}
	if isSet(flagBackchannelURI) {
		c.BackchannelLogoutURI = f.backchannelURI
	}
	if isSet(flagBackchannelSess) {
		c.BackchannelLogoutSessionRequired = f.sessionRequired
	}
	if isSet(flagTokenFormat) {
		c.AccessTokenFormat = f.tokenFormat
	}
	return checkClientMeta(c)
}

// checkClientMeta checks the metadata of c, but for the contents of its
// sector identifier document, which checkSector fetches.
func checkClientMeta(c *storage.Client) error {
	if err := checkIDTokenAlg(c.IDTokenSignedResponseAlg); err != nil {
		return err
	}
	if err := checkTokenFormat("--"+flagTokenFormat, c.AccessTokenFormat, true); err != nil {
		return err
	}
	for _, u := range c.PostLogoutRedirectURIs {
		if err := checkRedirectURI("--"+flagPostLogoutURI, u); err != nil {
			return err
		}
	}
	if raw := c.BackchannelLogoutURI; raw != "" {
		// A query is allowed (Back-Channel Logout 1.0 §2.2).
		if _, err := origin.ParseSecure(raw, false); err != nil {
			return fmt.Errorf("--%s %q %w (http is allowed only on a loopback host)", flagBackchannelURI, raw, err)
		}
	}
	if raw := c.SectorIdentifierURI; raw != "" {
		if u, err := origin.ParseSecure(raw, false); err != nil || u.Scheme != "https" {
			return fmt.Errorf("--%s %q: want an https URL without fragment or user information", flagSectorURI, raw)
		}
	}
	return checkSubjectType(c)
}

func checkIDTokenAlg(alg string) error {
	switch {
	case alg == "":
		return nil
	case strings.EqualFold(alg, "none"):
		return fmt.Errorf("--%s none: ID tokens must be signed", flagIDTokenAlg)
	case !slices.Contains(keyset.AsymmetricAlgorithms(), keyset.Algorithm(alg)):
		return fmt.Errorf("--%s %q: want one of %s", flagIDTokenAlg, alg, algorithmNames())
	}
	return nil
}

// checkTokenFormat checks an access token format: opaque or jwt, or
// empty when allowed (a client's, which defers to the server's).
func checkTokenFormat(flagName, format string, emptyOK bool) error {
	switch format {
	case storage.AccessTokenOpaque, storage.AccessTokenJWT:
		return nil
	case "":
		if emptyOK {
			return nil
		}
	}
	return fmt.Errorf("%s %q: want opaque or jwt", flagName, format)
}

// checkSubjectType checks the subject type and that a pairwise client has
// a sector identifier (OpenID Connect Core 1.0 §8.1).
func checkSubjectType(c *storage.Client) error {
	switch c.SubjectType {
	case "", storage.SubjectPublic:
		return nil
	case storage.SubjectPairwise:
		if _, err := authserver.SectorIdentifier(c); err != nil {
			if errors.Is(err, authserver.ErrSeveralSectorHosts) {
				return fmt.Errorf("--%s pairwise: the redirect URIs have several hosts: give --%s", flagSubjectType, flagSectorURI)
			}
			return fmt.Errorf("--%s pairwise: %w", flagSubjectType, err)
		}
		return nil
	}
	return fmt.Errorf("--%s %q: want public or pairwise", flagSubjectType, c.SubjectType)
}

// checkSector fetches the client's sector identifier document, if it has
// one, and checks that it lists every redirect URI of the client.
func checkSector(ctx context.Context, c *storage.Client) error {
	if err := authserver.CheckSectorIdentifierURI(ctx, sectorHTTPClient, c); err != nil {
		return fmt.Errorf("--%s: %w", flagSectorURI, err)
	}
	return nil
}

// printClientMeta prints the metadata for client show and create.
func printClientMeta(w io.Writer, j clientMetaJSON) {
	fmt.Fprintf(w, "id_token_signed_response_alg:\t%s\n", orDash(j.IDTokenAlg))
	fmt.Fprintf(w, "subject_type:\t%s\n", j.SubjectType)
	fmt.Fprintf(w, "sector_identifier_uri:\t%s\n", orDash(j.SectorIdentifierURI))
	fmt.Fprintf(w, "post_logout_redirect_uris:\t%s\n", orDash(strings.Join(j.PostLogoutRedirectURIs, " ")))
	fmt.Fprintf(w, "backchannel_logout_uri:\t%s\n", orDash(j.BackchannelLogoutURI))
	fmt.Fprintf(w, "backchannel_logout_session_required:\t%t\n", j.BackchannelLogoutSessionRequired)
	if j.AccessTokenFormat != "" {
		fmt.Fprintf(w, "access_token_format:\t%s\n", j.AccessTokenFormat)
	}
}

// clientMetaHeader heads the columns of clientMetaRow in client list.
const clientMetaHeader = "ID_TOKEN_ALG\tSUBJECT\tSECTOR_IDENTIFIER_URI\tPOST_LOGOUT_REDIRECT_URIS\tBACKCHANNEL_LOGOUT_URI\tSID"

// clientMetaRow returns the metadata columns of a client in client list.
func clientMetaRow(j clientMetaJSON) string {
	sid := "-"
	if j.BackchannelLogoutSessionRequired {
		sid = "required"
	}
	return strings.Join([]string{orDash(j.IDTokenAlg), j.SubjectType, orDash(j.SectorIdentifierURI),
		orDash(strings.Join(j.PostLogoutRedirectURIs, " ")), orDash(j.BackchannelLogoutURI), sid}, "\t")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
