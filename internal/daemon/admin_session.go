package daemon

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/grantry/grantry/storage"
)

func cmdSession(ctx context.Context, env *environment, args []string) error {
	return subcommand(ctx, env, "session", args, []command{
		{"list", "list the sign-in sessions, of every user or of one", cmdSessionList},
		{"revoke", "end a sign-in session, or every session of a user", cmdSessionRevoke},
	})
}

// sessionJSON is a sign-in session as the commands print it; never the
// digest of its cookie.
type sessionJSON struct {
	ID       string    `json:"id"`
	UserID   string    `json:"user_id"`
	Username string    `json:"username,omitempty"`
	AuthTime time.Time `json:"auth_time"`
	Expires  time.Time `json:"expires_at"`
	Clients  []string  `json:"clients"`
}

// sessionFlags are the flags of a session command.
type sessionFlags struct {
	adminFlags
	user string
}

// parseSessionFlags parses the flags of a session command and returns them
// with the flag set and the positional arguments.
func parseSessionFlags(env *environment, name, args, summary, userHelp string, withJSON bool, argv []string) (*sessionFlags, *flag.FlagSet, []string, error) {
	f := &sessionFlags{}
	fs := env.flagSet(name, args, summary)
	f.register(fs, withJSON)
	fs.StringVar(&f.user, "user", "", userHelp)
	pos, err := env.parse(fs, argv)
	return f, fs, pos, err
}

func cmdSessionList(ctx context.Context, env *environment, args []string) error {
	f, fs, pos, err := parseSessionFlags(env, "session list", "", "List the sign-in sessions that have not expired, newest first: of every user, or of the user --user names.",
		"list only the sessions of the user with this `USERNAME`", true, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 0); err != nil {
		return err
	}
	return withBackend(ctx, &f.adminFlags, func(b *backend) error {
		list, err := listSessions(ctx, b, f.user)
		if err != nil {
			return err
		}
		if f.json {
			return printJSON(env.stdout, list)
		}
		tw := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSER\tSIGNED IN\tEXPIRES\tCLIENTS")
		for _, s := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, cmp.Or(s.Username, s.UserID),
				s.AuthTime.Format(time.RFC3339), s.Expires.Format(time.RFC3339), cmp.Or(strings.Join(s.Clients, ","), "-"))
		}
		return tw.Flush()
	})
}

// listSessions returns the unexpired sessions of the user named username,
// or of every user when it is "", with the names of their users.
func listSessions(ctx context.Context, b *backend, username string) ([]sessionJSON, error) {
	subject := ""
	if username != "" {
		u, err := lookupUser(ctx, b, username)
		if err != nil {
			return nil, err
		}
		subject = u.ID
	}
	users, err := b.accounts.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(users))
	for _, u := range users {
		names[u.ID] = u.Username
	}
	list, err := b.sessions.ListSessions(ctx, subject)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := []sessionJSON{}
	for _, s := range list {
		if now.Before(s.ExpiresAt) {
			out = append(out, toSessionJSON(s, names[s.Subject]))
		}
	}
	return out, nil
}

func toSessionJSON(s *storage.Session, username string) sessionJSON {
	return sessionJSON{
		ID: s.ID, UserID: s.Subject, Username: username,
		AuthTime: s.AuthTime.UTC(), Expires: s.ExpiresAt.UTC(), Clients: nonNil(s.Clients),
	}
}

func cmdSessionRevoke(ctx context.Context, env *environment, args []string) error {
	f, fs, pos, err := parseSessionFlags(env, "session revoke", "ID | --user USERNAME", "End a sign-in session at once, or with --user every session of a user: the browser is signed out at its next request, whoever holds a copy of its cookie.",
		"revoke every session of the user with this `USERNAME`", false, args)
	if err != nil {
		return err
	}
	if (f.user == "") != (len(pos) == 1) || len(pos) > 1 {
		fmt.Fprintf(fs.Output(), "grantry %s: give one session ID or --user USERNAME\n", fs.Name())
		fs.Usage()
		return errUsage
	}
	return withBackend(ctx, &f.adminFlags, func(b *backend) error {
		if f.user != "" {
			return revokeUserSessions(ctx, env, b, f.user)
		}
		s, err := b.sessions.DeleteSession(ctx, pos[0])
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("no session %q", pos[0])
		} else if err != nil {
			return err
		}
		name := s.Subject
		if u, err := b.users.GetUser(ctx, s.Subject); err == nil {
			name = u.Username
		}
		fmt.Fprintf(env.stdout, "revoked session %s of %s\n", s.ID, name)
		return nil
	})
}

func revokeUserSessions(ctx context.Context, env *environment, b *backend, username string) error {
	u, err := lookupUser(ctx, b, username)
	if err != nil {
		return err
	}
	list, err := b.sessions.DeleteUserSessions(ctx, u.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "revoked %d session(s) of %s\n", len(list), username)
	return nil
}
