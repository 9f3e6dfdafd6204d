package daemon

import (
	"context"
	"errors"
	"flag"
	"time"
)

const clientUpdateSummary = "Change a client's OpenID Connect metadata. Only the flags given change; an empty value clears one " +
	"(--post-logout-redirect-uri '' clears the list). A sector_identifier_uri is fetched again and must list every redirect URI."

func cmdClientUpdate(ctx context.Context, env *environment, args []string) error {
	var (
		f    adminFlags
		meta clientMetaFlags
	)
	fs := env.flagSet("client update", "CLIENT_ID", clientUpdateSummary)
	f.register(fs, true)
	meta.register(fs)
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1); err != nil {
		return err
	}
	set := visited(fs)
	if !set.anyMeta() {
		return errors.New("client update: nothing to change: give at least one of the metadata flags (see client update -h)")
	}
	return withBackend(ctx, &f, func(b *backend) error {
		c, err := loadClient(ctx, b, pos[0])
		if err != nil {
			return err
		}
		if err := meta.apply(c, set.has); err != nil {
			return err
		}
		if err := checkSector(ctx, c); err != nil {
			return err
		}
		c.UpdatedAt = time.Now().UTC()
		if err := b.clients.UpdateClient(ctx, c); err != nil {
			return err
		}
		return printClient(env.stdout, c, "", f.json)
	})
}

// flagNames is the set of flags given on a command line.
type flagNames map[string]bool

func visited(fs *flag.FlagSet) flagNames {
	set := flagNames{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

func (s flagNames) has(name string) bool { return s[name] }

// anyMeta reports whether a metadata flag was given.
func (s flagNames) anyMeta() bool {
	for name := range s {
		switch name {
		case flagIDTokenAlg, flagSubjectType, flagSectorURI, flagPostLogoutURI, flagBackchannelURI, flagBackchannelSess, flagTokenFormat:
			return true
		}
	}
	return false
}
