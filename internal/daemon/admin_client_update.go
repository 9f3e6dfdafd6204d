package daemon

import (
	"context"
	"errors"
	"flag"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

const clientUpdateSummary = "Change a client's OpenID Connect metadata and how it authenticates. Only the flags given change; an empty value clears one " +
	"(--post-logout-redirect-uri '' clears the list). A sector_identifier_uri is fetched again and must list every redirect URI. " +
	"A client switched to client_secret_jwt, or from private_key_jwt to a secret, gets a new secret, printed once."

// clientUpdateFlags are the flags of client update.
type clientUpdateFlags struct {
	adminFlags
	method string
	meta   clientMetaFlags
	auth   clientAuthFlags
}

func cmdClientUpdate(ctx context.Context, env *environment, args []string) error {
	var f clientUpdateFlags
	fs := env.flagSet("client update", "CLIENT_ID", clientUpdateSummary)
	f.register(fs, true)
	fs.StringVar(&f.method, flagAuthMethod, "", authMethodUsage+"; default: unchanged")
	f.meta.register(fs)
	f.auth.register(fs)
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1); err != nil {
		return err
	}
	f.auth.kek.lookup(env.getenv)
	set := visited(fs)
	if !set.anyMeta() {
		return errors.New("client update: nothing to change: give at least one of the metadata or authentication flags (see client update -h)")
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
	if err := f.meta.apply(c, set.has); err != nil {
		return "", err
	}
	if err := f.auth.apply(c, set.has); err != nil {
		return "", err
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

// anyMeta reports whether a metadata or authentication flag was given.
func (s flagNames) anyMeta() bool {
	for name := range s {
		switch name {
		case flagIDTokenAlg, flagSubjectType, flagSectorURI, flagPostLogoutURI, flagBackchannelURI, flagBackchannelSess,
			flagAuthMethod, flagJWKSURI, flagJWKSFile, flagAuthAlg:
			return true
		}
	}
	return false
}
