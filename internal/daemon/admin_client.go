package daemon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

func cmdClient(ctx context.Context, env *environment, args []string) error {
	return subcommand(ctx, env, "client", args, []command{
		{"create", "register a client; its secret is printed once", cmdClientCreate},
		{"list", "list the clients", cmdClientList},
		{"show", "show one client", cmdClientShow},
		{"update", "change a client's name, redirect URIs, metadata, request policy, keys or auth method", cmdClientUpdate},
		{"delete", "delete a client and revoke its tokens", cmdClientDelete},
		{"rotate-secret", "replace a client's secret; the new one is printed once", cmdClientRotate},
	})
}

// clientJSON is a client as the commands print it, with the member names
// of RFC 7591 §2 and §3.2.1.
type clientJSON struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret,omitempty"`
	Name                    string   `json:"client_name,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	Scope                   string   `json:"scope"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	// The algorithm of client assertions (RFC 7591 §2), when set.
	TokenEndpointAuthSigningAlg string `json:"token_endpoint_auth_signing_alg,omitempty"`
	clientMetaJSON
	clientJARJSON
	CreatedAt time.Time `json:"created_at"`
}

// clientMetaJSON is the OpenID Connect metadata of a client, with the
// member names of OpenID Connect Dynamic Client Registration 1.0 §2,
// RP-Initiated Logout 1.0 §3.1 and Back-Channel Logout 1.0 §2.2.
type clientMetaJSON struct {
	IDTokenAlg                       string   `json:"id_token_signed_response_alg,omitempty"`
	SubjectType                      string   `json:"subject_type"`
	SectorIdentifierURI              string   `json:"sector_identifier_uri,omitempty"`
	PostLogoutRedirectURIs           []string `json:"post_logout_redirect_uris,omitempty"`
	BackchannelLogoutURI             string   `json:"backchannel_logout_uri,omitempty"`
	BackchannelLogoutSessionRequired bool     `json:"backchannel_logout_session_required,omitempty"`
	// AccessTokenFormat is opaque or jwt; omitted for the server's.
	AccessTokenFormat string `json:"access_token_format,omitempty"`
}

func toClientMetaJSON(c *storage.Client) clientMetaJSON {
	j := clientMetaJSON{
		IDTokenAlg: c.IDTokenSignedResponseAlg, SubjectType: c.SubjectType,
		SectorIdentifierURI: c.SectorIdentifierURI, PostLogoutRedirectURIs: c.PostLogoutRedirectURIs,
		BackchannelLogoutURI: c.BackchannelLogoutURI, BackchannelLogoutSessionRequired: c.BackchannelLogoutSessionRequired,
		AccessTokenFormat: c.AccessTokenFormat,
	}
	if j.SubjectType == "" {
		j.SubjectType = storage.SubjectPublic
	}
	return j
}

func toClientJSON(c *storage.Client, secret string) clientJSON {
	j := clientJSON{
		ClientID: c.ID, ClientSecret: secret, Name: c.Name,
		RedirectURIs: nonNil(c.RedirectURIs), Scope: c.Scope.String(),
		TokenEndpointAuthMethod: string(c.TokenEndpointAuthMethod()), CreatedAt: c.CreatedAt.UTC(),
		clientMetaJSON: toClientMetaJSON(c), clientJARJSON: toClientJARJSON(c),
		TokenEndpointAuthSigningAlg: c.TokenEndpointAuthSigningAlg,
	}
	j.GrantTypes = make([]string, len(c.GrantTypes))
	for i, g := range c.GrantTypes {
		j.GrantTypes[i] = string(g)
	}
	j.ResponseTypes = make([]string, len(c.ResponseTypes))
	for i, rt := range c.ResponseTypes {
		j.ResponseTypes[i] = string(rt)
	}
	return j
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type clientCreateFlags struct {
	adminFlags
	id, name, scope, method string
	public                  bool
	redirects               listFlag
	grants                  *listFlag
	meta                    clientMetaFlags
	jar                     clientJARFlags
	auth                    clientAuthFlags
}

func (f *clientCreateFlags) register(fs *flag.FlagSet) {
	f.adminFlags.register(fs, true)
	fs.StringVar(&f.id, "id", "", "client_id; default: a random one")
	fs.StringVar(&f.name, "name", "", "name shown on the consent page")
	fs.Var(&f.redirects, "redirect-uri", "redirect `URI`, matched exactly; repeat the flag for several")
	fs.StringVar(&f.scope, "scope", "", "space-separated scopes the client may request")
	fs.Var(f.grants, "grants", "comma-separated `list` of grant types")
	fs.StringVar(&f.method, flagAuthMethod, string(grantry.AuthClientSecretBasic), authMethodUsage)
	fs.BoolVar(&f.public, "public", false, "a public client without secret (same as --auth-method none); PKCE is then required")
	f.meta.register(fs)
	f.jar.register(fs)
	f.auth.register(fs)
}

func cmdClientCreate(ctx context.Context, env *environment, args []string) error {
	f := clientCreateFlags{grants: newList(string(grantry.GrantAuthorizationCode), string(grantry.GrantRefreshToken))}
	fs := env.flagSet("client create", "", "Register a client. Its secret is printed once and stored only as a hash.")
	f.register(fs)
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 0); err != nil {
		return err
	}
	f.auth.kek.lookup(env.getenv)
	c, err := f.record()
	if err != nil {
		return err
	}
	if err := checkSector(ctx, c); err != nil {
		return err
	}
	return withBackend(ctx, &f.adminFlags, func(b *backend) error {
		plain, err := newSecret(ctx, &f.auth.kek, b, c)
		if err != nil {
			return err
		}
		if err := b.clients.CreateClient(ctx, c); err != nil {
			if errors.Is(err, storage.ErrExists) {
				return fmt.Errorf("a client with ID %q exists already", c.ID)
			}
			return err
		}
		return printClient(env.stdout, c, plain, f.json)
	})
}

// record builds the client the flags describe, or says what is wrong.
func (f *clientCreateFlags) record() (*storage.Client, error) {
	if f.public {
		f.method = string(grantry.AuthNone)
	}
	now := time.Now().UTC()
	c := &storage.Client{ID: f.id, Name: f.name, AuthMethod: grantry.AuthMethod(f.method), CreatedAt: now, UpdatedAt: now}
	if c.ID == "" {
		c.ID = secret.ID()
	}
	if err := checkAuthMethod(c.AuthMethod); err != nil {
		return nil, err
	}
	sc, err := grantry.ParseScope(f.scope)
	if err != nil {
		return nil, fmt.Errorf("--scope: %w", err)
	}
	c.Scope = sc
	if err := setClientGrants(c, f.grants.vals); err != nil {
		return nil, err
	}
	for _, u := range f.redirects.vals {
		if err := checkRedirectURI("--redirect-uri", u); err != nil {
			return nil, err
		}
	}
	c.RedirectURIs = f.redirects.vals
	if len(c.ResponseTypes) > 0 && len(c.RedirectURIs) == 0 {
		return nil, errors.New("--redirect-uri is required for the authorization_code and implicit grants")
	}
	all := func(string) bool { return true }
	if err := f.meta.apply(c, all); err != nil {
		return nil, err
	}
	if err := f.jar.apply(c, all); err != nil {
		return nil, err
	}
	if err := f.auth.apply(c, all); err != nil {
		return nil, err
	}
	return c, nil
}

// setClientGrants sets the grant types and the response types they imply.
func setClientGrants(c *storage.Client, grants []string) error {
	public := c.AuthMethod == grantry.AuthNone
	for _, g := range grants {
		gt, err := parseGrant(g)
		if err != nil {
			return fmt.Errorf("--grants: %w", err)
		}
		if public && (gt == grantry.GrantClientCredentials || gt == grantry.GrantPassword || gt == grantry.GrantTokenExchange) {
			return fmt.Errorf("--grants: a public client may not use %s", gt)
		}
		if !slices.Contains(c.GrantTypes, gt) {
			c.GrantTypes = append(c.GrantTypes, gt)
		}
	}
	c.ResponseTypes = authserver.ResponseTypesFor(c.GrantTypes)
	return nil
}

// checkRedirectURI applies authserver.CheckRedirectURI, the rule every
// way of registering a client shares, to the value raw of the flag name
// (--redirect-uri or --post-logout-redirect-uri).
func checkRedirectURI(name, raw string) error {
	if err := authserver.CheckRedirectURI(raw, false); err != nil {
		return fmt.Errorf("%s %q %w", name, raw, err)
	}
	return nil
}

func printClient(w io.Writer, c *storage.Client, plain string, asJSON bool) error {
	if asJSON {
		return printJSON(w, toClientJSON(c, plain))
	}
	j := toClientJSON(c, plain)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "client_id:\t%s\n", j.ClientID)
	if plain != "" {
		fmt.Fprintf(tw, "client_secret:\t%s\t(shown only now: store it safely)\n", plain)
	}
	fmt.Fprintf(tw, "name:\t%s\n", j.Name)
	fmt.Fprintf(tw, "redirect_uris:\t%s\n", strings.Join(j.RedirectURIs, " "))
	fmt.Fprintf(tw, "grant_types:\t%s\n", strings.Join(j.GrantTypes, " "))
	fmt.Fprintf(tw, "response_types:\t%s\n", strings.Join(j.ResponseTypes, ", "))
	fmt.Fprintf(tw, "scope:\t%s\n", j.Scope)
	fmt.Fprintf(tw, "auth_method:\t%s\n", j.TokenEndpointAuthMethod)
	printClientKeys(tw, j)
	printClientMeta(tw, j.clientMetaJSON)
	printClientJAR(tw, j.clientJARJSON)
	fmt.Fprintf(tw, "created_at:\t%s\n", j.CreatedAt.Format(time.RFC3339))
	return tw.Flush()
}

// printClientKeys prints the algorithm of client assertions, when set;
// printClientJAR prints the keys.
func printClientKeys(w io.Writer, j clientJSON) {
	if j.TokenEndpointAuthSigningAlg != "" {
		fmt.Fprintf(w, "token_endpoint_auth_signing_alg:\t%s\n", j.TokenEndpointAuthSigningAlg)
	}
}

func cmdClientList(ctx context.Context, env *environment, args []string) error {
	var f adminFlags
	fs := env.flagSet("client list", "", "List the registered clients.")
	f.register(fs, true)
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 0); err != nil {
		return err
	}
	return withBackend(ctx, &f, func(b *backend) error {
		list, err := b.clients.ListClients(ctx)
		if err != nil {
			return err
		}
		if f.json {
			out := make([]clientJSON, len(list))
			for i, c := range list {
				out[i] = toClientJSON(c, "")
			}
			return printJSON(env.stdout, out)
		}
		tw := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CLIENT_ID\tNAME\tAUTH\tGRANTS\tRESPONSE_TYPES\tREDIRECT_URIS\t"+clientMetaHeader)
		for _, c := range list {
			j := toClientJSON(c, "")
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", j.ClientID, j.Name, j.TokenEndpointAuthMethod,
				strings.Join(j.GrantTypes, ","), responseTypesCell(j.ResponseTypes), strings.Join(j.RedirectURIs, " "),
				clientMetaRow(j.clientMetaJSON))
		}
		return tw.Flush()
	})
}

// responseTypesCell is the response types in one cell of the client
// table: separated by commas, with the spaces inside a type (code
// id_token) written as "+", so that the cell holds no blank; "-" for none.
func responseTypesCell(list []string) string {
	if len(list) == 0 {
		return "-"
	}
	return strings.ReplaceAll(strings.Join(list, ","), " ", "+")
}

// oneClient parses the flags of a command that names one client.
func oneClient(env *environment, name, summary string, args []string, withJSON bool) (*adminFlags, string, error) {
	f := &adminFlags{}
	fs := env.flagSet(name, "CLIENT_ID", summary)
	f.register(fs, withJSON)
	pos, err := env.parse(fs, args)
	if err != nil {
		return nil, "", err
	}
	if err := wantArgs(fs, pos, 1); err != nil {
		return nil, "", err
	}
	return f, pos[0], nil
}

func loadClient(ctx context.Context, b *backend, id string) (*storage.Client, error) {
	c, err := b.clients.GetClient(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("no client %q", id)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func cmdClientShow(ctx context.Context, env *environment, args []string) error {
	f, id, err := oneClient(env, "client show", "Show one client.", args, true)
	if err != nil {
		return err
	}
	return withBackend(ctx, f, func(b *backend) error {
		c, err := loadClient(ctx, b, id)
		if err != nil {
			return err
		}
		return printClient(env.stdout, c, "", f.json)
	})
}

func cmdClientDelete(ctx context.Context, env *environment, args []string) error {
	f, id, err := oneClient(env, "client delete", "Delete a client. Its tokens are revoked, its pending authorization codes refused and the consents given to it deleted, at once: a client created again with the same --id inherits none of them.", args, false)
	if err != nil {
		return err
	}
	return withBackend(ctx, f, func(b *backend) error {
		if err := b.clients.DeleteClient(ctx, id); errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("no client %q", id)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "deleted client %s\n", id)
		return nil
	})
}

func cmdClientRotate(ctx context.Context, env *environment, args []string) error {
	var (
		f   adminFlags
		kek kekFlags
	)
	fs := env.flagSet("client rotate-secret", "CLIENT_ID", "Replace a client's secret. The new secret is printed once; the old one stops working at once.")
	f.register(fs, true)
	kek.register(fs)
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1); err != nil {
		return err
	}
	kek.lookup(env.getenv)
	id := pos[0]
	return withBackend(ctx, &f, func(b *backend) error {
		c, err := loadClient(ctx, b, id)
		if err != nil {
			return err
		}
		switch c.TokenEndpointAuthMethod() {
		case grantry.AuthNone:
			return fmt.Errorf("client %q is public: it has no secret", id)
		case grantry.AuthPrivateKeyJWT:
			return fmt.Errorf("client %q authenticates with private_key_jwt: it has no secret; change its keys with client update --%s or --%s", id, flagJWKSURI, flagJWKSFile)
		}
		plain, err := newSecret(ctx, &kek, b, c)
		if err != nil {
			return err
		}
		c.UpdatedAt = time.Now().UTC()
		if err := b.clients.UpdateClient(ctx, c); err != nil {
			return err
		}
		return printClient(env.stdout, c, plain, f.json)
	})
}
