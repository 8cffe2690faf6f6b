package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"hrconnect"
)

// KeyPrefix starts every API key, so that a key pasted in the wrong place
// (or leaked into a repository) is recognisable, and anything else sent as a
// bearer token is refused without a database lookup.
const KeyPrefix = "hrc_"

// keyBytes is how much randomness a key carries: 256 bits, far past any
// guessing, which is also why a plain SHA-256 (not a slow password hash) is
// enough to store it.
const keyBytes = 32

// displayPrefixLen is how much of a key is kept in clear to tell keys apart
// in lists: "hrc_" and 8 characters, 48 bits, too few to help a guesser.
const displayPrefixLen = len(KeyPrefix) + 8

// HashKey returns the stored form of an API key: its SHA-256.
func HashKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// knownPermissions are the permissions a key can be given.
var knownPermissions = []hrconnect.Permission{hrconnect.PermIntegrations}

// checkPermissions refuses unknown permissions, naming them and the known ones.
func checkPermissions(perms []hrconnect.Permission) error {
	for _, p := range perms {
		known := false
		for _, k := range knownPermissions {
			known = known || p == k
		}
		if !known {
			return hrconnect.Invalid("permissions", "Unknown permission %q: the only permission is %q (Integrations Management); leave the list empty for a key that can read, check and invoke connections but change nothing.", p, hrconnect.PermIntegrations)
		}
	}
	return nil
}

// IssueKey makes a new random API key for k.TenantID with k's name,
// permissions and creator, stores its hash (filling in k's ID, prefix and
// creation time), and returns the key. The key exists only in the return
// value: show it once and forget it. The pages and the "hrconnect apikey
// create" command use it to make a tenant's first key.
func IssueKey(ctx context.Context, store KeyStore, k *hrconnect.APIKey) (string, error) {
	k.Name = strings.TrimSpace(k.Name)
	if k.Name == "" {
		return "", hrconnect.Invalid("name", "Give the key a name that says who uses it, such as \"ATS production\".")
	}
	if len(k.Name) > 100 {
		return "", hrconnect.Invalid("name", "The key's name is %d characters long; keep it to 100.", len(k.Name))
	}
	if err := checkPermissions(k.Permissions); err != nil {
		return "", err
	}
	key := KeyPrefix + base64.RawURLEncoding.EncodeToString(randomBytes(keyBytes))
	k.Prefix = key[:displayPrefixLen]
	if err := store.CreateAPIKey(ctx, k, HashKey(key)); err != nil {
		return "", err
	}
	return key, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}

// principal is who is calling: an API key of one tenant.
type principal struct {
	key *hrconnect.APIKey
}

func (p *principal) tenant() string { return p.key.TenantID }

// user is the user the key acts for (its creator), who owns the connections
// it creates and whose credentials it uses on per-user connections; empty
// for a key made by the command line.
func (p *principal) user() string { return p.key.CreatedBy }

// audit returns an audit entry of the caller's tenant with the caller, the
// API key, as its actor.
func (p *principal) audit(action, target, detail string) *hrconnect.AuditEntry {
	return &hrconnect.AuditEntry{TenantID: p.key.TenantID, ActorID: p.key.ID, ActorName: "API key " + p.key.Name,
		Action: action, Target: target, Detail: detail}
}

var errNoKey = &hrconnect.Error{Code: hrconnect.EUNAUTHORIZED,
	Message:    "This call needs an API key.",
	Resolution: "Send it as \"Authorization: Bearer hrc_…\". An administrator creates keys on the API keys page or with \"hrconnect apikey create\"."}

var errBadKey = &hrconnect.Error{Code: hrconnect.EUNAUTHORIZED,
	Message:    "The API key is not valid: it is mistyped, or it was deleted.",
	Resolution: "Check the key (it starts with hrc_ and was shown once, when it was created), or ask an administrator for a new one."}

// authenticate returns the caller of r, from its bearer token.
func (s *server) authenticate(r *http.Request) (*principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, errNoKey
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, &hrconnect.Error{Code: hrconnect.EUNAUTHORIZED,
			Message:    "The Authorization header must use the Bearer scheme.",
			Resolution: "Send \"Authorization: Bearer hrc_…\" with your API key."}
	}
	token = strings.TrimSpace(token)
	if !strings.HasPrefix(token, KeyPrefix) {
		return nil, errBadKey
	}
	k, err := s.store.APIKeyByHash(r.Context(), HashKey(token))
	if hrconnect.ErrorCode(err) == hrconnect.ENOTFOUND {
		return nil, errBadKey
	} else if err != nil {
		return nil, err
	}
	return &principal{key: k}, nil
}

// authorize fails with EFORBIDDEN unless the caller holds perm.
func (p *principal) authorize(perm hrconnect.Permission) error {
	if perm == "" || p.key.Can(perm) {
		return nil
	}
	return &hrconnect.Error{Code: hrconnect.EFORBIDDEN,
		Message:    "This API key does not have the permission " + string(perm) + " (Integrations Management), which this call needs.",
		Resolution: "Use a key created with that permission, or ask an administrator to create one."}
}
