-- Applicants by email, ignoring case: an import from Zoho Recruit looks each
-- page's addresses up here to skip people the ATS already has.
CREATE INDEX applicants_email ON applicants (tenant_id, lower(email));
