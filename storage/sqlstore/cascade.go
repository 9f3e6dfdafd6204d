package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/grantry/grantry/storage"
)

// cascade is the statements that delete a user or a client and what it
// leaves behind: the codes, tokens and consents whose column col (subject
// or client_id) is its ID, $1, and the sessions of a user. A deleted client
// is removed from the clients of every session (forgetSessionClient).
type cascade struct {
	op          string
	deleteOwner string
	// markFamilies records as revoked, at $2, the families of the
	// owner's tokens and codes, so that a token stored in one of them
	// later, as by a code being redeemed meanwhile, is stored revoked.
	markFamilies string
	revokeTokens string
	deleteCodes  string
	consents     string
	// devices deletes the device authorizations (RFC 8628) of the
	// owner, so that an approval is not redeemed after it is gone.
	devices string
	// sessions deletes the sessions of a user, returning them so that
	// their logouts are queued; "" for a client.
	sessions string
}

func newCascade(op, table, col string) cascade {
	return cascade{
		op:          op,
		deleteOwner: `DELETE FROM ` + table + ` WHERE id = $1`,
		markFamilies: `INSERT INTO revoked_families (family_id, revoked_at)
	SELECT family_id, CAST($2 AS BIGINT) FROM (
		SELECT family_id FROM tokens WHERE ` + col + ` = $1
		UNION SELECT family_id FROM authorization_codes WHERE ` + col + ` = $1) AS f
	WHERE family_id <> '' ORDER BY family_id
	ON CONFLICT (family_id) DO NOTHING`,
		revokeTokens: `UPDATE tokens SET revoked = TRUE WHERE ` + col + ` = $1 AND revoked = FALSE`,
		deleteCodes:  `DELETE FROM authorization_codes WHERE ` + col + ` = $1`,
		consents:     `DELETE FROM consents WHERE ` + col + ` = $1`,
		devices:      `DELETE FROM device_authorizations WHERE ` + col + ` = $1`,
	}
}

var (
	userCascade   = withSessions(newCascade("delete user", "users", "subject"))
	clientCascade = newCascade("delete client", "clients", "client_id")
)

func withSessions(c cascade) cascade {
	c.sessions = deleteUserSessions
	return c
}

// deleteOwner runs c for id in one transaction. An unknown id returns
// storage.ErrNotFound and changes nothing.
//
// On PostgreSQL, under READ COMMITTED, a rotation that revoked one of the
// owner's tokens just before revokeTokens reached it makes that statement
// wait for the rotation to commit, but the statement does not see the
// token the rotation stored. The tokens are therefore revoked a second
// time, by a statement that sees it. A rotation that comes later finds its
// token revoked and revokes the family itself. SQLite runs one writer at a
// time and needs no second pass.
func (s *Store) deleteOwner(ctx context.Context, c cascade, id string) error {
	err := s.inTx(ctx, func(q querier) (error, error) {
		res, err := q.ExecContext(ctx, c.deleteOwner, id)
		if err != nil {
			return nil, err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return storage.ErrNotFound, err
		}
		if _, err := q.ExecContext(ctx, c.markFamilies, id, micros(time.Now())); err != nil {
			return nil, err
		}
		return nil, s.cascadeRecords(ctx, q, c, id)
	})
	if errors.Is(err, storage.ErrNotFound) {
		return storage.ErrNotFound
	}
	return wrap(c.op, err)
}

// cascadeRecords revokes and deletes what the owner id leaves behind,
// inside the transaction of q.
func (s *Store) cascadeRecords(ctx context.Context, q querier, c cascade, id string) error {
	stmts := []string{c.revokeTokens, c.deleteCodes, c.consents, c.devices}
	if s.d == Postgres {
		stmts = append(stmts, c.revokeTokens)
	}
	for _, stmt := range stmts {
		if _, err := q.ExecContext(ctx, stmt, id); err != nil {
			return err
		}
	}
	if c.sessions == "" {
		return forgetSessionClient(ctx, q, id)
	}
	rows, err := q.QueryContext(ctx, c.sessions, id)
	if err != nil {
		return err
	}
	ended, err := scanSessions(rows)
	if err != nil {
		return err
	}
	return queueLogouts(ctx, q, ended)
}

// RevokeUserGrants revokes, in one transaction, every token issued to the
// user with their families, and deletes the user's pending authorization
// codes, revoking their families, and device authorizations; the user, their consents and sessions
// stay. An unknown user returns storage.ErrNotFound and changes nothing.
// A password change calls it, so that what the old password obtained ends.
func (s *Store) RevokeUserGrants(ctx context.Context, id string) error {
	c := userCascade
	err := s.inTx(ctx, func(q querier) (error, error) {
		var one int
		err := q.QueryRowContext(ctx, selectUserExists, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return storage.ErrNotFound, nil
		}
		if err != nil {
			return nil, err
		}
		if _, err := q.ExecContext(ctx, c.markFamilies, id, micros(time.Now())); err != nil {
			return nil, err
		}
		stmts := []string{c.revokeTokens, c.deleteCodes, c.devices}
		if s.d == Postgres {
			stmts = append(stmts, c.revokeTokens) // see deleteOwner
		}
		for _, stmt := range stmts {
			if _, err := q.ExecContext(ctx, stmt, id); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return storage.ErrNotFound
	}
	return wrap("revoke user grants", err)
}

const selectUserExists = `SELECT 1 FROM users WHERE id = $1`
