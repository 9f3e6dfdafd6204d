package daemon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Main runs the grantry command with args (without the program name) and
// returns the exit status: 0 on success, 1 on failure, 2 on a usage error.
// lookupEnv is os.LookupEnv in production.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	env := &environment{stdin: stdin, stdout: stdout, stderr: stderr, getenv: lookupEnv}
	err := env.dispatch(ctx, args)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "grantry: %v\n", err)
	return 1
}

// errUsage is returned once the usage has been printed.
var errUsage = errors.New("usage")

// environment is where a command reads, writes and looks up settings.
type environment struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         getenv
}

type command struct {
	name, summary string
	run           func(ctx context.Context, env *environment, args []string) error
}

var commands = []command{
	{"serve", "run the authorization server", cmdServe},
	{"client", "create, list, show, update, delete clients and rotate their secrets", cmdClient},
	{"user", "create, list, show, update and delete users and set their passwords", cmdUser},
	{"keys", "list, rotate and retire the signing keys", cmdKeys},
	{"session", "list and revoke sign-in sessions", cmdSession},
	{"registration-token", "create, list and revoke the initial access tokens of client registration", cmdRegistrationToken},
	{"migrate", "create or upgrade the database schema", cmdMigrate},
	{"bench", "load-test a running server's token endpoint", cmdBench},
}

func (env *environment) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		env.usage(env.stderr)
		return errUsage
	}
	if isHelp(args[0]) {
		env.usage(env.stdout)
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.stderr, "grantry: unknown command %q\n\n", args[0])
	env.usage(env.stderr)
	return errUsage
}

func (env *environment) usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("usage: grantry COMMAND [flags]\n\nCommands:\n")
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-*s %s\n", width, c.name, c.summary)
	}
	b.WriteString(settingsHelp)
	b.WriteString("\nRun grantry COMMAND -h for the flags of a command and their defaults.\n")
	fmt.Fprint(w, b.String())
}

// settingsHelp says where settings come from; every command's help ends
// with it.
const settingsHelp = `
Settings: every flag may also be given as an environment variable,
GRANTRY_ and the flag name in capitals with - as _ (GRANTRY_DB,
GRANTRY_ADDR, GRANTRY_SESSION_KEY), or in a JSON file named by --config or
GRANTRY_CONFIG, keyed by flag name ({"addr": "127.0.0.1:9000"}). A flag
wins over the environment, which wins over the file.

Storage: --db defaults to grantry.db, an SQLite file in the working
directory, created and migrated on first use. A postgres:// URL selects
PostgreSQL; serve --redis redis://... keeps authorization codes in Redis.
`

// flagSet returns the flag set of a command, whose help lists its flags
// with their defaults.
func (env *environment) flagSet(name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: grantry %s [flags] %s\n\n%s\n\nFlags:\n", name, args, summary)
		fs.PrintDefaults()
		fmt.Fprint(w, settingsHelp)
	}
	return fs
}

// parse parses the flags and settings of a command and returns its
// positional arguments. Warnings about the command line go to stderr.
func (env *environment) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	pos, warnings, err := parseSettings(fs, args, env.getenv)
	for _, w := range warnings {
		fmt.Fprintf(env.stderr, "grantry: warning: %s\n", w)
	}
	return pos, err
}

// wantArgs checks the number of positional arguments.
func wantArgs(fs *flag.FlagSet, pos []string, n int) error {
	if len(pos) != n {
		fmt.Fprintf(fs.Output(), "grantry %s: want %d argument(s), got %d\n", fs.Name(), n, len(pos))
		fs.Usage()
		return errUsage
	}
	return nil
}

// subcommand runs the subcommand named by args[0] from a table.
func subcommand(ctx context.Context, env *environment, group string, args []string, table []command) error {
	w, err := env.stderr, errUsage
	switch {
	case len(args) == 0:
	case isHelp(args[0]):
		w, err = env.stdout, nil
	default:
		for _, c := range table {
			if c.name == args[0] {
				return c.run(ctx, env, args[1:])
			}
		}
		fmt.Fprintf(w, "grantry %s: unknown subcommand %q\n", group, args[0])
	}
	fmt.Fprintf(w, "usage: grantry %s SUBCOMMAND [flags]\n\nSubcommands:\n", group)
	for _, c := range table {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun grantry %s SUBCOMMAND -h for its flags.\n", group)
	return err
}

func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}
