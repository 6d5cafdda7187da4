-- Grain state (Orleans.Persistence.AdoNet 10.4.2, binary payloads: the silo's grain storage serializer).
-- One row per (service, grain type, grain id); the version is the ETag. A grain without an id extension is stored
-- with '' so that the unique key, and ON CONFLICT on it, cover every grain (NULLs would never conflict).
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash integer NOT NULL,
    GrainIdN0 bigint NOT NULL,
    GrainIdN1 bigint NOT NULL,
    GrainTypeHash integer NOT NULL,
    GrainTypeString varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NOT NULL,
    ServiceId varchar(150) NOT NULL,
    PayloadBinary bytea NULL,
    ModifiedOn timestamptz NOT NULL DEFAULT now(),
    Version integer NOT NULL,
    CONSTRAINT OrleansStorage_Key UNIQUE (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString)
);

CREATE INDEX IF NOT EXISTS OrleansStorage_Hashes ON OrleansStorage (GrainIdHash, GrainTypeHash);

-- Writes a grain's state: a first write (no version) inserts version 1, a later one replaces the row holding the
-- version the grain read. Returns the new version, or the version passed in when another writer got there first,
-- which Orleans reports as an InconsistentStateException.
CREATE OR REPLACE FUNCTION dsx_orleans_write_state(
    p_grain_id_hash integer, p_n0 bigint, p_n1 bigint, p_grain_type_hash integer, p_grain_type text, p_extension text,
    p_service_id text, p_version integer, p_payload bytea)
RETURNS integer LANGUAGE plpgsql AS $fn$
DECLARE
    written integer;
BEGIN
    IF p_version IS NULL THEN
        INSERT INTO OrleansStorage
            (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, Version)
        VALUES
            (p_grain_id_hash, p_n0, p_n1, p_grain_type_hash, p_grain_type, COALESCE(p_extension, ''), p_service_id, p_payload, 1)
        ON CONFLICT ON CONSTRAINT OrleansStorage_Key DO NOTHING
        RETURNING Version INTO written;
    ELSE
        UPDATE OrleansStorage
        SET PayloadBinary = p_payload, ModifiedOn = now(), Version = Version + 1
        WHERE ServiceId = p_service_id AND GrainTypeString = p_grain_type AND GrainIdN0 = p_n0 AND GrainIdN1 = p_n1
            AND GrainIdExtensionString = COALESCE(p_extension, '') AND Version = p_version
        RETURNING Version INTO written;
    END IF;
    RETURN COALESCE(written, p_version);
END
$fn$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('WriteToStorageKey', $q$
    SELECT dsx_orleans_write_state(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
        @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary) AS NewGrainStateVersion;
$q$),
('ReadFromStorageKey', $q$
    SELECT PayloadBinary, Version
    FROM OrleansStorage
    WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
        AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '');
$q$),
-- A cleared state keeps its row (payload NULL) so the version chain, and so the ETag check, goes on.
('ClearStorageKey', $q$
    UPDATE OrleansStorage
    SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
    WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
        AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '') AND Version = @GrainStateVersion
    RETURNING Version AS NewGrainStateVersion;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
