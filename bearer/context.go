package bearer

import (
	"context"

	"github.com/grantry/grantry"
)

type infoKey struct{}

// FromContext returns the token a Protector's middleware validated for the
// request whose context ctx is.
func FromContext(ctx context.Context) (*grantry.TokenInfo, bool) {
	info, ok := ctx.Value(infoKey{}).(*grantry.TokenInfo)
	return info, ok && info != nil
}

// NewContext returns a context carrying info, as the middleware makes; it
// serves tests of handlers that read FromContext.
func NewContext(ctx context.Context, info *grantry.TokenInfo) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

// tokenContext is the context the middleware gives the next handler: the
// request's, and the token info in the same allocation.
type tokenContext struct {
	context.Context
	info grantry.TokenInfo
}

func (c *tokenContext) Value(key any) any {
	if _, ok := key.(infoKey); ok {
		return &c.info
	}
	return c.Context.Value(key)
}
