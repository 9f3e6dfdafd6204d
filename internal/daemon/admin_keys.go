package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/grantry/grantry/keyset"
)

func cmdKeys(ctx context.Context, env *environment, args []string) error {
	return subcommand(ctx, env, "keys", args, []command{
		{"list", "list the signing keys: next, active, retired", cmdKeysList},
		{"rotate", "publish a next key of each algorithm, which signs a day later", cmdKeysRotate},
		{"retire", "stop a key from signing now; it stays published a day", cmdKeysRetire},
		{"rotate-session-key", "replace the key of the forms' CSRF tokens; the old one is accepted for --grace", cmdKeysRotateSessionKey},
	})
}

// keysFlags are the flags of the key commands: the store's and the
// key-encryption key's, as for serve.
type keysFlags struct {
	adminFlags
	kek  kekFlags
	algs algFlags
}

// parseKeysFlags parses the flags of a key command that takes n
// arguments, and --json when withJSON is set.
func parseKeysFlags(env *environment, name, args, summary string, argv []string, n int, withJSON bool) (*keysFlags, []string, error) {
	f := &keysFlags{}
	fs := env.flagSet(name, args, summary)
	f.register(fs, withJSON)
	f.kek.register(fs)
	f.algs.register(fs)
	pos, err := env.parse(fs, argv)
	if err != nil {
		return nil, nil, err
	}
	if err := wantArgs(fs, pos, n); err != nil {
		return nil, nil, err
	}
	f.kek.lookup(env.getenv)
	return f, pos, nil
}

// withKeys opens the database and runs fn with the manager of its signing
// keys.
func withKeys(ctx context.Context, f *keysFlags, fn func(m *keyset.Manager) error) error {
	return withBackend(ctx, &f.adminFlags, func(b *backend) error {
		m, k, err := newKeyManager(ctx, &f.kek, &f.algs, b)
		if err != nil {
			return err
		}
		return explainSealed(fn(m), k)
	})
}

// keyJSON is a signing key as the commands print it; never its private
// key.
type keyJSON struct {
	ID         string     `json:"kid"`
	Algorithm  string     `json:"alg"`
	State      string     `json:"state"`
	CreatedAt  time.Time  `json:"created_at"`
	ActivateAt time.Time  `json:"activate_at"`
	RetiredAt  *time.Time `json:"retired_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
}

func toKeyJSON(k keyset.KeyInfo) keyJSON {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		u := t.UTC()
		return &u
	}
	return keyJSON{ID: k.ID, Algorithm: string(k.Algorithm), State: string(k.State),
		CreatedAt: k.CreatedAt.UTC(), ActivateAt: k.ActivateAt.UTC(), RetiredAt: opt(k.RetiredAt), ExpiresAt: opt(k.ExpiresAt)}
}

func cmdKeysList(ctx context.Context, env *environment, args []string) error {
	f, _, err := parseKeysFlags(env, "keys list", "", "List the signing keys with their state: next (published, signs from ACTIVATE), active (signs), retired (published until EXPIRES) or expired (deleted by the next purge). Checks that the key-encryption key opens them.", args, 0, true)
	if err != nil {
		return err
	}
	return withKeys(ctx, f, func(m *keyset.Manager) error {
		list, err := m.List(ctx)
		if err != nil {
			return err
		}
		out := make([]keyJSON, len(list))
		for i, k := range list {
			out[i] = toKeyJSON(k)
		}
		if f.json {
			return printJSON(env.stdout, out)
		}
		return printKeys(env.stdout, out)
	})
}

func printKeys(w io.Writer, list []keyJSON) error {
	when := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.Format(time.RFC3339)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSTATE\tACTIVATE\tRETIRED\tEXPIRES")
	for _, k := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Algorithm, k.State,
			when(&k.ActivateAt), when(k.RetiredAt), when(k.ExpiresAt))
	}
	return tw.Flush()
}

func cmdKeysRotate(ctx context.Context, env *environment, args []string) error {
	f, _, err := parseKeysFlags(env, "keys rotate", "", "Publish a next signing key of each algorithm that has none. Running servers publish it within a minute, and it signs a day later, once relying parties have fetched it; the key it replaces stays published a day more.", args, 0, false)
	if err != nil {
		return err
	}
	return withKeys(ctx, f, func(m *keyset.Manager) error {
		if _, err := m.Rotate(ctx); err != nil {
			return err
		}
		list, err := m.List(ctx)
		if err != nil {
			return err
		}
		for _, k := range list {
			if k.State == keyset.StateNext {
				fmt.Fprintf(env.stdout, "next %s key %s signs from %s\n", k.Algorithm, k.ID, k.ActivateAt.UTC().Format(time.RFC3339))
			}
		}
		return nil
	})
}

func cmdKeysRetire(ctx context.Context, env *environment, args []string) error {
	f, pos, err := parseKeysFlags(env, "keys retire", "KID", "Stop the signing key KID from signing now, as when it may have leaked; running servers stop using it within a minute. When it was active, a new key of its algorithm signs at once. It stays published a day, so tokens it signed still verify.", args, 1, false)
	if err != nil {
		return err
	}
	kid := pos[0]
	return withKeys(ctx, f, func(m *keyset.Manager) error {
		set, err := m.Retire(ctx, kid)
		if errors.Is(err, keyset.ErrUnknownKey) {
			return fmt.Errorf("no signing key %q; grantry keys list shows them", kid)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "retired signing key %s\n", kid)
		k := set.Key(kid)
		if k == nil {
			return nil
		}
		if s, ok := set.SignerFor(k.Algorithm()); ok {
			fmt.Fprintf(env.stdout, "%s key %s signs now\n", k.Algorithm(), s.ID())
		}
		return nil
	})
}

// defaultSessionKeyGrace is how long forms signed with a replaced session
// key still post, unless --grace says otherwise: longer than a sign-in
// page is left open, as a rule.
const defaultSessionKeyGrace = 24 * time.Hour

func cmdKeysRotateSessionKey(ctx context.Context, env *environment, args []string) error {
	f := &keysFlags{}
	fs := env.flagSet("keys rotate-session-key", "", "Replace the session key kept, sealed, in the database, from which the CSRF tokens of the sign-in and consent forms are derived. Running servers sign with the new key within a minute, and accept forms signed with the old one for --grace. A key given by "+envName("session-key")+" or --session-key-file is not in the database: replace it there.")
	f.register(fs, false)
	f.kek.register(fs)
	grace := fs.Duration("grace", defaultSessionKeyGrace, "how long forms signed with the old key are still accepted")
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 0); err != nil {
		return err
	}
	if *grace < 0 {
		return fmt.Errorf("--grace %v: must not be negative", *grace)
	}
	f.kek.lookup(env.getenv)
	return withBackend(ctx, &f.adminFlags, func(b *backend) error {
		if b.settings == nil {
			return errors.New("this store keeps no session key: it lives as long as the process")
		}
		k, err := f.kek.resolve(ctx, b)
		if err != nil {
			return err
		}
		sk, err := newSettingKeys(b, k)
		if err != nil {
			return err
		}
		ring, err := sk.rotate(ctx, settingSessionKey, *grace)
		if err != nil {
			return explainSealedSetting(err, k)
		}
		fmt.Fprintf(env.stdout, "rotated the session key; forms signed with the old one are accepted until %s\n",
			ring.Retired[0].Until.Format(time.RFC3339))
		return nil
	})
}
