package api_test

import (
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"hrconnect/api"
)

// TestOpenAPIValidatesAgainstTheSpecification holds the served document to
// the OpenAPI 3.1 specification's own JSON Schema, with a validator nobody
// here wrote: TestOpenAPIStructure checks what the schema cannot (operation
// IDs, references, path parameters), this checks everything it can.
func TestOpenAPIValidatesAgainstTheSpecification(t *testing.T) {
	t.Parallel()
	valid, errs := validateOpenAPI(t, api.OpenAPI())
	for _, e := range errs {
		t.Errorf("openapi.json: %s", e)
	}
	if !valid && len(errs) == 0 {
		t.Error("openapi.json is invalid, without a reason given")
	}

	// The validator catches what it claims to: a document whose response
	// lacks its required description, and whose info lacks a title.
	broken := []byte(`{"openapi":"3.1.0","info":{"version":"1"},
		"paths":{"/x":{"get":{"responses":{"200":{"content":{}}}}}}}`)
	if valid, errs := validateOpenAPI(t, broken); valid || len(errs) == 0 {
		t.Errorf("a document without info.title nor a response description passed validation")
	}
}

// validateOpenAPI validates doc against the OpenAPI specification's schema
// and returns each problem as one line.
func validateOpenAPI(t *testing.T, doc []byte) (bool, []string) {
	t.Helper()
	d, err := libopenapi.NewDocument(doc)
	if err != nil {
		t.Fatalf("parse the document: %v", err)
	}
	v, errs := validator.NewValidator(d)
	if len(errs) > 0 {
		t.Fatalf("build the validator: %v", errs)
	}
	valid, verrs := v.ValidateDocument()
	var out []string
	for _, e := range verrs {
		line := e.Message
		if e.Reason != "" {
			line += ": " + e.Reason
		}
		for _, s := range e.SchemaValidationErrors {
			line += "\n\t" + s.FieldPath + ": " + s.Reason
		}
		out = append(out, strings.TrimSpace(line))
	}
	return valid, out
}
