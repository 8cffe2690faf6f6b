-- An applicant applies to a job post once: the service checks before it
-- inserts, and this index makes two applications sent at the same instant
-- end as one (the second is refused, ECONFLICT). Moving the application is
-- how an applicant goes on; a second application would make a second
-- transfer of the same person.
CREATE UNIQUE INDEX applications_once ON applications (tenant_id, applicant_id, job_post_id);
