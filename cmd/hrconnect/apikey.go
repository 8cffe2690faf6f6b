package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"hrconnect"
	"hrconnect/api"
)

func init() {
	register(command{
		name:    "apikey",
		summary: "create a tenant's REST API key (apikey create --tenant ID --name NAME)",
		run:     runAPIKey,
	})
}

// runAPIKey is "hrconnect apikey create": the bootstrap of the REST API,
// whose own key management needs a key. The key is printed once, on
// stdout alone, so that it can be captured (KEY=$(hrconnect apikey create …));
// only its hash is stored.
func runAPIKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		sc       storeConfig
		tenantID string
		name     string
		userID   string
		readOnly bool
	)
	envs := withEnvs(nil)
	fs := newFlagSet("apikey",
		"apikey create  creates an API key for a tenant and prints it once; keep it safe, it cannot be shown again.\n"+
			"               By default the key holds integrations_management (it can set up and remove connections\n"+
			"               and manage keys); --read-only makes a key that reads, checks and invokes only.",
		stderr, envs)
	sc.register(fs)
	fs.StringVar(&tenantID, "tenant", "", "the tenant's `ID` (required)")
	fs.StringVar(&name, "name", "", "what the key is for, such as \"ATS production\" (required)")
	fs.StringVar(&userID, "user", "", "the `ID` of the user the key acts for (owner of the connections it creates); optional")
	fs.BoolVar(&readOnly, "read-only", false, "create a key without integrations_management")
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fs.Usage()
			return nil
		}
		fmt.Fprintln(stderr, `hrconnect apikey: say "create", for example: hrconnect apikey create --tenant ten_… --name "ATS production"`)
		return errUsage
	}
	if err := parseFlags(fs, args[1:], envs); err != nil {
		return err
	}
	if strings.TrimSpace(tenantID) == "" || strings.TrimSpace(name) == "" {
		fmt.Fprintln(stderr, "hrconnect apikey create: --tenant and --name are required")
		return errUsage
	}

	db, _, err := sc.open(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Tenant(ctx, tenantID); err != nil {
		return err
	}
	if userID != "" {
		if _, err := db.User(ctx, tenantID, userID); err != nil {
			return err
		}
	}
	k := &hrconnect.APIKey{TenantID: tenantID, Name: name, CreatedBy: userID}
	if !readOnly {
		k.Permissions = []hrconnect.Permission{hrconnect.PermIntegrations}
	}
	key, err := api.IssueKey(ctx, db, k)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "created API key %s (%s) for tenant %s; it is shown once, below:\n", k.ID, k.Name, k.TenantID)
	fmt.Fprintln(stdout, key)
	return nil
}
