package daemon

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// The initial access tokens of protected client registration (RFC 7591
// §3): with serve --registration token, a client registers at /register
// only with one of them as a Bearer token. Each is printed once and kept
// as its digest only.

func cmdRegistrationToken(ctx context.Context, env *environment, args []string) error {
	return subcommand(ctx, env, "registration-token", args, []command{
		{"create", "make an initial access token for client registration; it is printed once", cmdRegTokenCreate},
		{"list", "list the initial access tokens", cmdRegTokenList},
		{"revoke", "delete an initial access token", cmdRegTokenRevoke},
	})
}

// regTokenJSON is an initial access token as the commands print it: the
// token itself only when it is made.
type regTokenJSON struct {
	ID          string     `json:"id"`
	Token       string     `json:"token,omitempty"`
	Description string     `json:"description,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
}

func toRegTokenJSON(t *storage.InitialAccessToken, plain string) regTokenJSON {
	j := regTokenJSON{ID: t.ID, Token: plain, Description: t.Description, CreatedAt: t.CreatedAt.UTC()}
	if !t.ExpiresAt.IsZero() {
		exp := t.ExpiresAt.UTC()
		j.ExpiresAt = &exp
	}
	return j
}

// tokenStore returns the backend's initial access tokens.
func tokenStore(b *backend) (storage.InitialAccessTokenStore, error) {
	if b.initialTokens == nil {
		return nil, errors.New("this store keeps no initial access tokens")
	}
	return b.initialTokens, nil
}

func cmdRegTokenCreate(ctx context.Context, env *environment, args []string) error {
	var f adminFlags
	var desc string
	var expiresIn time.Duration
	fs := env.flagSet("registration-token create", "", "Make an initial access token, which lets its holder register clients at /register while serve runs with --registration token. It is printed once and stored only as a digest.")
	f.register(fs, true)
	fs.StringVar(&desc, "description", "", "whom the token is for, shown by list")
	fs.DurationVar(&expiresIn, "expires-in", 0, "how long the token works; 0: until revoked")
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 0); err != nil {
		return err
	}
	if expiresIn < 0 {
		return fmt.Errorf("--expires-in %v: must not be negative", expiresIn)
	}
	now := time.Now().UTC()
	plain := secret.Token()
	t := &storage.InitialAccessToken{ID: secret.ID(), Hash: secret.Digest(plain), Description: desc, CreatedAt: now}
	if expiresIn > 0 {
		t.ExpiresAt = now.Add(expiresIn)
	}
	return withBackend(ctx, &f, func(b *backend) error {
		s, err := tokenStore(b)
		if err != nil {
			return err
		}
		if err := s.CreateInitialAccessToken(ctx, t); err != nil {
			return err
		}
		if f.json {
			return printJSON(env.stdout, toRegTokenJSON(t, plain))
		}
		fmt.Fprintf(env.stdout, "id:\t%s\ntoken:\t%s\t(shown only now: give it to the client's developer)\n", t.ID, plain)
		return nil
	})
}

func cmdRegTokenList(ctx context.Context, env *environment, args []string) error {
	var f adminFlags
	fs := env.flagSet("registration-token list", "", "List the initial access tokens, oldest first; never the tokens themselves.")
	f.register(fs, true)
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 0); err != nil {
		return err
	}
	return withBackend(ctx, &f, func(b *backend) error {
		s, err := tokenStore(b)
		if err != nil {
			return err
		}
		list, err := s.ListInitialAccessTokens(ctx)
		if err != nil {
			return err
		}
		out := make([]regTokenJSON, len(list))
		for i, t := range list {
			out[i] = toRegTokenJSON(t, "")
		}
		if f.json {
			return printJSON(env.stdout, out)
		}
		tw := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCREATED\tEXPIRES\tDESCRIPTION")
		for _, j := range out {
			exp := "never"
			if j.ExpiresAt != nil {
				exp = j.ExpiresAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", j.ID, j.CreatedAt.Format(time.RFC3339), exp, orDash(j.Description))
		}
		return tw.Flush()
	})
}

func cmdRegTokenRevoke(ctx context.Context, env *environment, args []string) error {
	var f adminFlags
	fs := env.flagSet("registration-token revoke", "ID", "Delete an initial access token: it stops working at once. Clients registered with it stay.")
	f.register(fs, false)
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1); err != nil {
		return err
	}
	return withBackend(ctx, &f, func(b *backend) error {
		s, err := tokenStore(b)
		if err != nil {
			return err
		}
		if err := s.DeleteInitialAccessToken(ctx, pos[0]); errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("no initial access token %q", pos[0])
		} else if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "revoked initial access token %s\n", pos[0])
		return nil
	})
}
