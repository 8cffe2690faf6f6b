package main

import (
	"context"
	"fmt"
	"io"
)

func init() {
	register(command{
		name:    "keys",
		summary: "show or rotate the keyset that encrypts secrets at rest (keys info | keys rotate)",
		run:     runKeys,
	})
}

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var sc storeConfig
	envs := withEnvs(nil)
	fs := newFlagSet("keys",
		"keys info    shows where the keyset is and its key IDs.\n"+
			"keys rotate  adds a new primary key, re-encrypts every secret with it, then drops the old keys.\n"+
			"             It can run while hrconnect serves: servers pick up the new keyset within seconds.\n"+
			"             If it stops half-way, run it again: re-encryption resumes where it stopped.",
		stderr, envs)
	sc.register(fs)
	if len(args) == 0 || (args[0] != "info" && args[0] != "rotate") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fs.Usage()
			return nil
		}
		fmt.Fprintln(stderr, `hrconnect keys: say "info" or "rotate", for example: hrconnect keys rotate --data-dir /var/lib/hrconnect`)
		return errUsage
	}
	verb := args[0]
	if err := parseFlags(fs, args[1:], envs); err != nil {
		return err
	}
	if verb == "info" {
		v, err := sc.openVault()
		if err != nil {
			return err
		}
		info := v.Info()
		fmt.Fprintf(stdout, "keyset: %s\nKMS-wrapped: %v\nprimary key: %d\nkeys: %v\n", info.Source, info.KMS, info.Primary, info.KeyIDs)
		return nil
	}

	db, v, err := sc.open(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	primary, err := v.Rotate()
	if err != nil {
		return fmt.Errorf("add a new key: %w", err)
	}
	fmt.Fprintf(stdout, "new primary key %d\n", primary)
	n, err := db.ReencryptAll(ctx)
	if err != nil {
		return fmt.Errorf("re-encrypt secrets (%d done; run the command again to resume): %w", n, err)
	}
	fmt.Fprintf(stdout, "re-encrypted %d secrets\n", n)
	if err := v.DropOldKeys(primary); err != nil {
		return fmt.Errorf("drop old keys: %w", err)
	}
	fmt.Fprintln(stdout, "old keys dropped")
	return nil
}
