package daemon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

func cmdUser(ctx context.Context, env *environment, args []string) error {
	return subcommand(ctx, env, "user", args, []command{
		{"create", "create a user; the password is read from stdin or a prompt, claims from flags", cmdUserCreate},
		{"list", "list the users", cmdUserList},
		{"show", "print a user's OpenID Connect claims as JSON", cmdUserShow},
		{"update", "set or clear a user's OpenID Connect claims", cmdUserUpdate},
		{"delete", "delete a user, revoke their tokens and end their sessions", cmdUserDelete},
		{"set-password", "set a user's password, read from stdin or a prompt, end their sessions and revoke their tokens", cmdUserSetPassword},
	})
}

// userJSON is a user as the commands print it; never the password hash.
type userJSON struct {
	ID        string         `json:"id"`
	Username  string         `json:"username"`
	CreatedAt time.Time      `json:"created_at"`
	Claims    storage.Claims `json:"claims,omitzero"`
}

func toUserJSON(u *storage.User) userJSON {
	return userJSON{u.ID, u.Username, u.CreatedAt.UTC(), u.Claims}
}

// oneUser parses the flags of a command that names one user; more
// registers the flags of the command's own.
func oneUser(env *environment, name, summary string, args []string, withJSON bool, more ...func(*flag.FlagSet)) (*adminFlags, string, error) {
	f := &adminFlags{}
	fs := env.flagSet(name, "USERNAME", summary)
	f.register(fs, withJSON)
	for _, register := range more {
		register(fs)
	}
	pos, err := env.parse(fs, args)
	if err != nil {
		return nil, "", err
	}
	if err := wantArgs(fs, pos, 1); err != nil {
		return nil, "", err
	}
	return f, pos[0], nil
}

// checkUsername allows 1 to 64 printable characters without spaces.
func checkUsername(name string) error {
	if name == "" || len(name) > 64 {
		return errors.New("a username has 1 to 64 characters")
	}
	for _, r := range name {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return errors.New("a username may not hold spaces or control characters")
		}
	}
	return nil
}

func cmdUserCreate(ctx context.Context, env *environment, args []string) error {
	var edits claimEdits
	f, name, err := oneUser(env, "user create", "Create a user. The password is read from the first line of stdin, or asked for twice when stdin is a terminal."+claimsHelp, args, true, edits.register)
	if err != nil {
		return err
	}
	if err := checkUsername(name); err != nil {
		return err
	}
	claims, err := edits.apply(storage.Claims{})
	if err != nil {
		return usageError(env, "user create", err)
	}
	pw, err := readNewPassword(env)
	if err != nil {
		return err
	}
	u := &storage.User{ID: secret.ID(), Username: name, PasswordHash: secret.HashPassword(pw), CreatedAt: time.Now().UTC(), Claims: claims}
	if u.Claims != (storage.Claims{}) {
		u.Claims.UpdatedAt = u.CreatedAt
	}
	return withBackend(ctx, f, func(b *backend) error {
		if err := b.accounts.CreateUser(ctx, u); errors.Is(err, storage.ErrExists) {
			return fmt.Errorf("a user named %q exists already", name)
		} else if err != nil {
			return err
		}
		if f.json {
			return printJSON(env.stdout, toUserJSON(u))
		}
		fmt.Fprintf(env.stdout, "created user %s (id %s)\n", u.Username, u.ID)
		return nil
	})
}

func cmdUserList(ctx context.Context, env *environment, args []string) error {
	var f adminFlags
	fs := env.flagSet("user list", "", "List the users.")
	f.register(fs, true)
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 0); err != nil {
		return err
	}
	return withBackend(ctx, &f, func(b *backend) error {
		list, err := b.accounts.ListUsers(ctx)
		if err != nil {
			return err
		}
		out := make([]userJSON, len(list))
		for i, u := range list {
			out[i] = toUserJSON(u)
		}
		if f.json {
			return printJSON(env.stdout, out)
		}
		tw := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tNAME\tEMAIL\tID\tCREATED")
		for _, u := range out {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Username, orDash(u.Claims.Name), orDash(u.Claims.Email), u.ID, u.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	})
}

func lookupUser(ctx context.Context, b *backend, name string) (*storage.User, error) {
	u, err := b.users.UserByName(ctx, name)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("no user %q", name)
	}
	return u, err
}

func cmdUserDelete(ctx context.Context, env *environment, args []string) error {
	f, name, err := oneUser(env, "user delete", "Delete a user. Every token issued to them is revoked, their pending authorization codes refused, and their consents and sign-in sessions deleted, at once.", args, false)
	if err != nil {
		return err
	}
	return withBackend(ctx, f, func(b *backend) error {
		u, err := lookupUser(ctx, b, name)
		if err != nil {
			return err
		}
		if err := b.accounts.DeleteUser(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "deleted user %s\n", name)
		return nil
	})
}

func cmdUserSetPassword(ctx context.Context, env *environment, args []string) error {
	f, name, err := oneUser(env, "user set-password", "Set a user's password, read from the first line of stdin, or asked for twice when stdin is a terminal. Every sign-in session of the user ends, and every token issued to them is revoked.", args, false)
	if err != nil {
		return err
	}
	return withBackend(ctx, f, func(b *backend) error {
		u, err := lookupUser(ctx, b, name)
		if err != nil {
			return err
		}
		pw, err := readNewPassword(env)
		if err != nil {
			return err
		}
		if err := b.accounts.SetPasswordHash(ctx, u.ID, secret.HashPassword(pw)); err != nil {
			return err
		}
		ended, err := b.sessions.DeleteUserSessions(ctx, u.ID)
		if err != nil {
			return fmt.Errorf("password of %s changed, but ending their sessions failed (run grantry session revoke --user): %w", name, err)
		}
		if err := b.accounts.RevokeUserGrants(ctx, u.ID); err != nil {
			return fmt.Errorf("password of %s changed and their sessions ended, but revoking their tokens failed (run the command again): %w", name, err)
		}
		fmt.Fprintf(env.stdout, "password of %s changed; %d session(s) ended; their tokens revoked\n", name, len(ended))
		return nil
	})
}

// usageError prints err as a usage error of the command, whose exit
// status is then 2.
func usageError(env *environment, cmd string, err error) error {
	fmt.Fprintf(env.stderr, "grantry %s: %v\n", cmd, err)
	return errUsage
}

func cmdUserShow(ctx context.Context, env *environment, args []string) error {
	f, name, err := oneUser(env, "user show", "Print a user's OpenID Connect claims (Core 1.0 §5.1) as JSON: the members that are set, updated_at in seconds since the Unix epoch.", args, false)
	if err != nil {
		return err
	}
	return withBackend(ctx, f, func(b *backend) error {
		u, err := lookupUser(ctx, b, name)
		if err != nil {
			return err
		}
		return printJSON(env.stdout, u.Claims)
	})
}

func cmdUserUpdate(ctx context.Context, env *environment, args []string) error {
	var edits claimEdits
	f, name, err := oneUser(env, "user update", "Set or clear a user's claims: only those of the flags given."+claimsHelp, args, false, edits.register)
	if err != nil {
		return err
	}
	if len(edits) == 0 {
		return usageError(env, "user update", errors.New("no claim flag given; see grantry user update -h"))
	}
	return withBackend(ctx, f, func(b *backend) error {
		u, err := lookupUser(ctx, b, name)
		if err != nil {
			return err
		}
		c, err := edits.apply(u.Claims)
		if err != nil {
			return usageError(env, "user update", err)
		}
		if c == u.Claims {
			fmt.Fprintf(env.stdout, "claims of %s unchanged\n", name)
			return nil
		}
		if err := b.accounts.UpdateUserClaims(ctx, u.ID, c); errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("no user %q", name)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "claims of %s updated\n", name)
		return nil
	})
}
