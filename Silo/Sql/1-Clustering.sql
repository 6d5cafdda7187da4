-- Membership (Orleans.Clustering.AdoNet 10.4.2). One version row per cluster id (DeploymentId = ClusterOptions.ClusterId):
-- every membership change must bump it from the version Orleans last read, so concurrent writers cannot both win.
-- Times are timestamptz: Orleans passes UTC DateTimes, which Npgsql writes as timestamptz and reads back as UTC.
CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL PRIMARY KEY,
    Timestamp timestamptz(3) NOT NULL DEFAULT now(),
    Version integer NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150) NOT NULL REFERENCES OrleansMembershipVersionTable (DeploymentId),
    Address varchar(45) NOT NULL,
    Port integer NOT NULL,
    Generation integer NOT NULL,
    SiloName varchar(150) NOT NULL,
    HostName varchar(150) NOT NULL,
    Status integer NOT NULL,
    ProxyPort integer NULL,
    SuspectTimes varchar(8000) NULL,
    StartTime timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,
    PRIMARY KEY (DeploymentId, Address, Port, Generation)
);

-- Adds a silo's row only if the table version is still the one the caller read; 1 on success, 0 otherwise.
-- The inner block is a subtransaction: when the row already exists, the version bump is rolled back with it.
CREATE OR REPLACE FUNCTION dsx_orleans_insert_membership(
    p_deployment_id text, p_address text, p_port integer, p_generation integer, p_silo_name text, p_host_name text,
    p_status integer, p_proxy_port integer, p_start_time timestamptz, p_i_am_alive_time timestamptz, p_version integer)
RETURNS integer LANGUAGE plpgsql AS $fn$
DECLARE
    affected integer;
BEGIN
    BEGIN
        UPDATE OrleansMembershipVersionTable
        SET Version = Version + 1, Timestamp = now()
        WHERE DeploymentId = p_deployment_id AND Version = p_version;
        GET DIAGNOSTICS affected = ROW_COUNT;
        IF affected = 0 THEN
            RETURN 0;
        END IF;

        INSERT INTO OrleansMembershipTable
            (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
        VALUES
            (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status, p_proxy_port, p_start_time, p_i_am_alive_time);
        RETURN 1;
    EXCEPTION WHEN unique_violation THEN
        RETURN 0;
    END;
END
$fn$;

-- Changes a silo's status and suspicions under the same version check; 1 on success, 0 (and nothing changed) otherwise.
CREATE OR REPLACE FUNCTION dsx_orleans_update_membership(
    p_deployment_id text, p_address text, p_port integer, p_generation integer, p_status integer, p_suspect_times text,
    p_i_am_alive_time timestamptz, p_version integer)
RETURNS integer LANGUAGE plpgsql AS $fn$
DECLARE
    affected integer;
BEGIN
    BEGIN
        UPDATE OrleansMembershipVersionTable
        SET Version = Version + 1, Timestamp = now()
        WHERE DeploymentId = p_deployment_id AND Version = p_version;
        GET DIAGNOSTICS affected = ROW_COUNT;
        IF affected = 0 THEN
            RETURN 0;
        END IF;

        UPDATE OrleansMembershipTable
        SET Status = p_status, SuspectTimes = p_suspect_times, IAmAliveTime = GREATEST(IAmAliveTime, p_i_am_alive_time)
        WHERE DeploymentId = p_deployment_id AND Address = p_address AND Port = p_port AND Generation = p_generation;
        GET DIAGNOSTICS affected = ROW_COUNT;
        IF affected = 0 THEN
            RAISE EXCEPTION 'no such silo row' USING ERRCODE = 'no_data_found';
        END IF;
        RETURN 1;
    EXCEPTION WHEN no_data_found THEN
        RETURN 0;
    END;
END
$fn$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', $q$
    WITH inserted AS (
        INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES (@DeploymentId)
        ON CONFLICT (DeploymentId) DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer FROM inserted;
$q$),
('InsertMembershipKey', $q$
    SELECT dsx_orleans_insert_membership(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
        @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version);
$q$),
('UpdateMembershipKey', $q$
    SELECT dsx_orleans_update_membership(@DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes,
        @IAmAliveTime, @Version);
$q$),
-- Heartbeats never move time backwards (a delayed heartbeat must not make a live silo look stale).
('UpdateIAmAlivetimeKey', $q$
    UPDATE OrleansMembershipTable
    SET IAmAliveTime = GREATEST(IAmAliveTime, @IAmAliveTime)
    WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation;
$q$),
-- The version row always comes back (left join), so Orleans learns the table version even with no silo rows.
('MembershipReadRowKey', $q$
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
           m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
        AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
    WHERE v.DeploymentId = @DeploymentId;
$q$),
('MembershipReadAllKey', $q$
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
           m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
    WHERE v.DeploymentId = @DeploymentId;
$q$),
('DeleteMembershipTableEntriesKey', $q$
    DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId;
    DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;
$q$),
('GatewaysQueryKey', $q$
    SELECT Address, ProxyPort, Generation
    FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0;
$q$),
-- Status 6 is SiloStatus.Dead: only dead silos' rows are ever pruned.
('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND Status = 6
        AND IAmAliveTime < @IAmAliveTime AND StartTime < @IAmAliveTime
        AND COALESCE(SuspectTimes, '') = '';
$q$),
-- Orleans decides which dead rows are old enough, then deletes each only if it still holds the values it read.
('CleanupDefunctSiloEntryKey', $q$
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND Status = 6
        AND Address = @Address AND Port = @Port AND Generation = @Generation
        AND IAmAliveTime = @IAmAliveTime AND StartTime = @StartTime
        AND COALESCE(SuspectTimes, '') = COALESCE(@SuspectTimes, '');
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
