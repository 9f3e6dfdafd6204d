package daemon

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
)

// adminFlags are the flags of every administration command.
type adminFlags struct {
	commonFlags
	json bool
}

func (f *adminFlags) register(fs *flag.FlagSet, withJSON bool) {
	f.commonFlags.register(fs)
	if withJSON {
		fs.BoolVar(&f.json, "json", false, "print JSON")
	}
}

// withBackend opens the database the flags name, migrating it when needed,
// and runs fn on it.
func withBackend(ctx context.Context, f *adminFlags, fn func(b *backend) error) error {
	b, err := openStore(ctx, f.db, "")
	if err != nil {
		return err
	}
	defer func() { _ = b.close() }()
	return fn(b)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// cmdMigrate creates or upgrades the schema of the database.
func cmdMigrate(ctx context.Context, env *environment, args []string) error {
	var f adminFlags
	fs := env.flagSet("migrate", "", "Create or upgrade the database schema. Every command does this on first use; migrate does only this.")
	f.register(fs, false)
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 0); err != nil {
		return err
	}
	return withBackend(ctx, &f, func(*backend) error {
		fmt.Fprintf(env.stdout, "database %s is up to date\n", redactDSN(f.db))
		return nil
	})
}
