package daemon

import (
	"context"
	"errors"
	"flag"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

const clientUpdateSummary = "Change a client's name, redirect URIs, OpenID Connect metadata, request policy and keys. Only the flags given change; an empty value clears one " +
	"(--post-logout-redirect-uri '' clears the list). The --redirect-uri flags given replace the list, checked as by client create. " +
	"A sector_identifier_uri is fetched again and must list every redirect URI. " +
	"--auth-method changes how the client authenticates: a client switched to client_secret_jwt, or from private_key_jwt to a secret, gets a new secret, printed once."

// The names of the flags client update shares with client create.
const (
	flagName        = "name"
	flagRedirectURI = "redirect-uri"
)

// clientBasicFlags are the name and redirect URIs of a client, as client
// update changes them: from the command line only, since a value from the
// environment or the config file, which client create may take, would
// change every client updated.
type clientBasicFlags struct {
	name      recordString
	redirects recordList
}

func (f *clientBasicFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.name, flagName, "name shown on the consent page")
	fs.Var(&f.redirects, flagRedirectURI, "redirect `URI`, matched exactly; repeat the flag for several; the flags given replace the list")
}

// recordString and recordList are flags that describe one record, read
// from the command line only (commandLineOnly).
type (
	recordString struct{ val string }
	recordList   struct{ listFlag }
)

func (s *recordString) String() string {
	if s == nil {
		return ""
	}
	return s.val
}

func (s *recordString) Set(v string) error { s.val = v; return nil }
func (*recordString) commandLineOnly()     {}
func (*recordList) commandLineOnly()       {}

// apply sets on c the name and redirect URIs that isSet selects. The
// redirect URIs are checked as by client create (RFC 6749 §3.1.2): a
// client of the authorization_code or implicit grant keeps at least one.
func (f *clientBasicFlags) apply(c *storage.Client, isSet func(name string) bool) error {
	if isSet(flagName) {
		c.Name = f.name.val
	}
	if !isSet(flagRedirectURI) {
		return nil
	}
	for _, u := range f.redirects.vals {
		if err := checkRedirectURI("--"+flagRedirectURI, u); err != nil {
			return err
		}
	}
	if len(c.ResponseTypes) > 0 && len(f.redirects.vals) == 0 {
		return errors.New("--redirect-uri: the client's authorization_code or implicit grant needs at least one")
	}
	c.RedirectURIs = f.redirects.vals
	return nil
}

// clientUpdateFlags are the flags of client update.
type clientUpdateFlags struct {
	adminFlags
	method string
	basic  clientBasicFlags
	meta   clientMetaFlags
	jar    clientJARFlags
	auth   clientAuthFlags
}

func (f *clientUpdateFlags) register(fs *flag.FlagSet) {
	f.adminFlags.register(fs, true)
	f.basic.register(fs)
	fs.StringVar(&f.method, flagAuthMethod, "", authMethodUsage+"; default: unchanged")
	f.meta.register(fs)
	f.jar.register(fs)
	f.auth.register(fs)
}

func cmdClientUpdate(ctx context.Context, env *environment, args []string) error {
	var f clientUpdateFlags
	fs := env.flagSet("client update", "CLIENT_ID", clientUpdateSummary)
	f.register(fs)
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1); err != nil {
		return err
	}
	f.auth.kek.lookup(env.getenv)
	set := visited(fs)
	if !set.anyMeta() && !set.anyJAR() {
		return errors.New("client update: nothing to change: give --name, --redirect-uri, --auth-method or a metadata flag (see client update -h)")
	}
	return withBackend(ctx, &f.adminFlags, func(b *backend) error {
		c, err := loadClient(ctx, b, pos[0])
		if err != nil {
			return err
		}
		plain, err := f.apply(ctx, b, c, set)
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

// apply makes the changes the flags in set ask for, and returns the new
// secret of the client, if it got one.
func (f *clientUpdateFlags) apply(ctx context.Context, b *backend, c *storage.Client, set flagNames) (string, error) {
	var plain string
	if set.has(flagAuthMethod) {
		var err error
		if plain, err = changeAuthMethod(ctx, &f.auth.kek, b, c, grantry.AuthMethod(f.method)); err != nil {
			return "", err
		}
	}
	for _, apply := range []func(*storage.Client, func(string) bool) error{f.basic.apply, f.meta.apply, f.jar.apply, f.auth.apply} {
		if err := apply(c, set.has); err != nil {
			return "", err
		}
	}
	return plain, checkSector(ctx, c)
}

// flagNames is the set of flags given on a command line.
type flagNames map[string]bool

func visited(fs *flag.FlagSet) flagNames {
	set := flagNames{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

func (s flagNames) has(name string) bool { return s[name] }

// anyMeta reports whether a flag that changes the client was given.
func (s flagNames) anyMeta() bool {
	for name := range s {
		switch name {
		case flagName, flagRedirectURI, flagIDTokenAlg, flagSubjectType, flagSectorURI, flagPostLogoutURI, flagBackchannelURI, flagBackchannelSess, flagTokenFormat,
			flagAuthMethod, flagAuthAlg:
			return true
		}
	}
	return false
}
