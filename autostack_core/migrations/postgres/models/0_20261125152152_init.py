from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "users" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "email" VARCHAR(254) NOT NULL UNIQUE,
    "name" VARCHAR(120) NOT NULL,
    "avatar_url" VARCHAR(500),
    "password_hash" VARCHAR(200),
    "github_id" BIGINT UNIQUE,
    "github_token_sealed" TEXT,
    "subscription_tier" VARCHAR(16) NOT NULL,
    "is_active" BOOL NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON COLUMN "users"."subscription_tier" IS 'FREE: free\nPRO: pro\nENTERPRISE: enterprise';
CREATE TABLE IF NOT EXISTS "api_tokens" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(120) NOT NULL,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "prefix" VARCHAR(16) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "last_used_at" TIMESTAMPTZ,
    "expires_at" TIMESTAMPTZ,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "api_tokens" IS 'A token for the CLI and API; only its sha256 is stored (tokens are 256-bit random).';
CREATE TABLE IF NOT EXISTS "teams" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(120) NOT NULL,
    "slug" VARCHAR(48) NOT NULL UNIQUE,
    "is_personal" BOOL NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "owner_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT
);
CREATE TABLE IF NOT EXISTS "audit_events" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "action" VARCHAR(64) NOT NULL,
    "target_type" VARCHAR(32) NOT NULL,
    "target_id" VARCHAR(64) NOT NULL,
    "data" JSONB NOT NULL,
    "ip" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "team_id" INT REFERENCES "teams" ("id") ON DELETE CASCADE,
    "user_id" INT REFERENCES "users" ("id") ON DELETE SET NULL
);
CREATE TABLE IF NOT EXISTS "invitations" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "email" VARCHAR(254) NOT NULL,
    "role" VARCHAR(16) NOT NULL,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "created_at" TIMESTAMPTZ NOT NULL,
    "accepted_at" TIMESTAMPTZ,
    "invited_by_id" INT REFERENCES "users" ("id") ON DELETE SET NULL,
    "team_id" INT NOT NULL REFERENCES "teams" ("id") ON DELETE CASCADE
);
COMMENT ON COLUMN "invitations"."role" IS 'OWNER: owner\nADMIN: admin\nMEMBER: member\nVIEWER: viewer';
CREATE TABLE IF NOT EXISTS "projects" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(48) NOT NULL UNIQUE,
    "github_repo" VARCHAR(500),
    "git_url" VARCHAR(500),
    "branch" VARCHAR(200) NOT NULL,
    "framework" VARCHAR(48),
    "build_command" VARCHAR(1000),
    "install_command" VARCHAR(1000),
    "output_directory" VARCHAR(500),
    "start_command" VARCHAR(1000),
    "dev_command" VARCHAR(1000),
    "root_directory" VARCHAR(500) NOT NULL,
    "node_version" VARCHAR(32),
    "provider" VARCHAR(48) NOT NULL,
    "production_url" VARCHAR(500),
    "auto_deploy_enabled" BOOL NOT NULL,
    "webhook_secret_sealed" TEXT,
    "retention_keep" INT,
    "settings" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "team_id" INT NOT NULL REFERENCES "teams" ("id") ON DELETE CASCADE,
    "user_id" INT REFERENCES "users" ("id") ON DELETE SET NULL
);
CREATE TABLE IF NOT EXISTS "deploy_hooks" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(120) NOT NULL,
    "branch" VARCHAR(200) NOT NULL,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "token_sealed" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "deployments" (
    "id" VARCHAR(16) NOT NULL PRIMARY KEY,
    "state" VARCHAR(16) NOT NULL,
    "is_production" BOOL NOT NULL,
    "creator_type" VARCHAR(16) NOT NULL,
    "source_type" VARCHAR(16) NOT NULL,
    "git_url" VARCHAR(500),
    "commit_sha" VARCHAR(64),
    "commit_message" VARCHAR(500),
    "branch" VARCHAR(200),
    "pull_request" INT,
    "upload_manifest" JSONB,
    "source_hash" VARCHAR(64),
    "output_manifest_hash" VARCHAR(64),
    "detection" JSONB,
    "deployment_url" VARCHAR(500),
    "error_message" TEXT,
    "cancel_requested" BOOL NOT NULL,
    "worker_id" VARCHAR(100),
    "build_time_seconds" DOUBLE PRECISION,
    "deploy_time_seconds" DOUBLE PRECISION,
    "created_at" TIMESTAMPTZ NOT NULL,
    "building_at" TIMESTAMPTZ,
    "deploying_at" TIMESTAMPTZ,
    "ready_at" TIMESTAMPTZ,
    "error_at" TIMESTAMPTZ,
    "canceled_at" TIMESTAMPTZ,
    "deleted_at" TIMESTAMPTZ,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE,
    "user_id" INT REFERENCES "users" ("id") ON DELETE SET NULL
);
COMMENT ON COLUMN "deployments"."state" IS 'QUEUED: queued\nBUILDING: building\nDEPLOYING: deploying\nREADY: ready\nERROR: error\nCANCELED: canceled';
COMMENT ON COLUMN "deployments"."creator_type" IS 'MANUAL: manual\nWEBHOOK: webhook\nAUTO: auto\nGIT_PUSH: git-push\nDEPLOY_HOOK: deploy-hook';
CREATE TABLE IF NOT EXISTS "aliases" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "hostname" VARCHAR(253) NOT NULL UNIQUE,
    "kind" VARCHAR(16) NOT NULL,
    "branch" VARCHAR(200),
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "deployment_id" VARCHAR(16) REFERENCES "deployments" ("id") ON DELETE SET NULL,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE
);
COMMENT ON COLUMN "aliases"."kind" IS 'PRODUCTION: production\nDEPLOYMENT: deployment\nBRANCH: branch\nPULL_REQUEST: pull-request\nCUSTOM: custom';
CREATE TABLE IF NOT EXISTS "analytics_events" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "event_type" VARCHAR(16) NOT NULL,
    "path" VARCHAR(2000) NOT NULL,
    "status_code" INT,
    "response_time_ms" DOUBLE PRECISION,
    "user_agent" VARCHAR(500) NOT NULL,
    "country" VARCHAR(2),
    "timestamp" TIMESTAMPTZ NOT NULL,
    "deployment_id" VARCHAR(16) NOT NULL REFERENCES "deployments" ("id") ON DELETE CASCADE
);
COMMENT ON COLUMN "analytics_events"."event_type" IS 'REQUEST: request\nERROR: error\nMETRIC: metric';
CREATE TABLE IF NOT EXISTS "analytics_rollups" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "bucket" TIMESTAMPTZ NOT NULL,
    "requests" INT NOT NULL,
    "errors" INT NOT NULL,
    "bytes_sent" BIGINT NOT NULL,
    "visitors" INT NOT NULL,
    "avg_response_ms" DOUBLE PRECISION NOT NULL,
    "p95_response_ms" DOUBLE PRECISION NOT NULL,
    "deployment_id" VARCHAR(16) REFERENCES "deployments" ("id") ON DELETE SET NULL,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_analytics_r_project_9db0e4" UNIQUE ("project_id", "deployment_id", "bucket")
);
COMMENT ON TABLE "analytics_rollups" IS 'Per-project, per-hour aggregates of the edge''s access log.';
CREATE TABLE IF NOT EXISTS "deployment_logs" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "timestamp" TIMESTAMPTZ NOT NULL,
    "step" VARCHAR(16) NOT NULL,
    "stream" VARCHAR(8) NOT NULL,
    "line" TEXT NOT NULL,
    "deployment_id" VARCHAR(16) NOT NULL REFERENCES "deployments" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "deployment_logs" IS 'One build or deploy log line; the seed''s ``deployments.logs`` lives here.';
CREATE TABLE IF NOT EXISTS "domains" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "domain_name" VARCHAR(253) NOT NULL UNIQUE,
    "git_branch" VARCHAR(200),
    "redirect_to" VARCHAR(253),
    "redirect_status" INT,
    "verification_token" VARCHAR(64) NOT NULL,
    "is_verified" BOOL NOT NULL,
    "dns_configured" BOOL NOT NULL,
    "ssl_status" VARCHAR(16) NOT NULL,
    "ssl_error" TEXT,
    "cert_expires_at" TIMESTAMPTZ,
    "verified_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE
);
COMMENT ON COLUMN "domains"."ssl_status" IS 'NONE: none\nPENDING: pending\nISSUED: issued\nFAILED: failed';
CREATE TABLE IF NOT EXISTS "environment_variables" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "key" VARCHAR(256) NOT NULL,
    "value_sealed" TEXT NOT NULL,
    "environment" VARCHAR(16) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_environment_project_0a568f" UNIQUE ("project_id", "key", "environment")
);
COMMENT ON COLUMN "environment_variables"."environment" IS 'PRODUCTION: production\nPREVIEW: preview\nDEVELOPMENT: development';
CREATE TABLE IF NOT EXISTS "team_members" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "role" VARCHAR(16) NOT NULL,
    "joined_at" TIMESTAMPTZ NOT NULL,
    "team_id" INT NOT NULL REFERENCES "teams" ("id") ON DELETE CASCADE,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_team_member_team_id_a71b13" UNIQUE ("team_id", "user_id")
);
COMMENT ON COLUMN "team_members"."role" IS 'OWNER: owner\nADMIN: admin\nMEMBER: member\nVIEWER: viewer';
CREATE TABLE IF NOT EXISTS "user_sessions" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "key_hash" VARCHAR(64) NOT NULL UNIQUE,
    "csrf_token" VARCHAR(64) NOT NULL,
    "user_agent" VARCHAR(300) NOT NULL,
    "ip" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "last_seen_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "user_sessions" IS 'A signed-in browser; the cookie carries a signed random key, stored hashed.';
CREATE TABLE IF NOT EXISTS "webhook_deliveries" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "provider" VARCHAR(16) NOT NULL,
    "delivery_id" VARCHAR(128) NOT NULL,
    "received_at" TIMESTAMPTZ NOT NULL,
    CONSTRAINT "uid_webhook_del_provide_c34e62" UNIQUE ("provider", "delivery_id")
);
COMMENT ON TABLE "webhook_deliveries" IS 'Delivery ids already handled, so a redelivered event deploys once.';
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXVtzozgW/isqv+xsVborbSfdmczWVDkJ3e2dxM46zvRcMsVgI9vaYMQiSDq1O/99JS"
    "7mjoEYDGo9dRp0BP6OkM79/Le3wSrUyNuhhhTSOwf/7enKBtI/ojeOQE8xjOAyu2Apc80Z"
    "qbAh0B00J5apLCx6ealoBNJLKiQLExkWwjq9qtuaxi7iBR2I9FVwydbRf2woW3gFrTU06Y"
    "3f/6CXka7Cr5D4/zUe5SWCmhp5VaSyZzvXZevFcK6NdOujM5A9bS4vsGZv9GCw8WKtsb4d"
    "jXSLXV1BHZqKBdn0lmmz12dv5/1Q/xe5bxoMcV8xRKPCpWJrVujnzuXgWk+Wx5OZfCfNZL"
    "lXAqAF1hm49FVdRq3YK7zpvzv5cHI2eH9yRoc4r7m98uEv99EBMC6hA8941vvLua9YijvC"
    "wTgAdY2J5fydgPZyrZjp2IZpYgjTV48j7OPZXog3yldZg/rKWjNcTwc5gP48nF5+Hk6/o6"
    "P+zh6J6Wfgfh5j71bfvcdQD1B+pL8sHWFJtzcOyiP6Toq+gAm0fdr9IO1fCKAOvuDqWPdu"
    "p5Or+8vZaDI+B4aJVXvB7jzoV9Lt9eTXG2k8OwcqNDT8soG69aBfTIfjy8/nYG7S37x+0G"
    "/vr6/lqfSve+mOjjToC7wxIX1jQsde3t/NJjfnYGETC296FXj67n0Blr57n8lRdivKUPe9"
    "y3w0AUUlRnofRM18rPrNHB8X+WaOj7O/GXYvCvHChAwOWbGSMF/ROxbawHSoo5QxuFWP9K"
    "3/R3u+ouLo0x+oTnTtxVsYOeDPRjf0kxre3LLHbQj5j+bgN5xJ7E7fufoSu/pd/EvYTgK+"
    "jGafAfsv+G0ylhx46WGwMp0nBuNmv/XYOym2hWUdP8uKGtrU/as+ahGu24ZaketRSsH1tn"
    "DdxyjEdu/tA64HR4OcJuVl76oJQv421/0fXvSA/jdcpEOdKVBHiXYL1l34oPYgWzNtZfmY"
    "Klp7iCUx/ohNiFb6T/AlIfnFcPW0s9tgpo5B/Je/jPyrwddmKs9bJS+2uigC9HdDy/34h3"
    "eXwyupl7Fh7AHeq8hk3dorigKc2CgjGNO3AGMqgvec9TxXFo/PiqnKkYXN7uA+jl3Zjk3e"
    "2vQ38SuKrqwcjNiPYa/umx90RXux0IJIT9D5CUkDRXTEUa6lwh8rQza4ZSaLC7T6VqwW3/"
    "f7g8GH/vHg/dnpyYcPp2fH2y02eStvr70YfWLbbeSE223bcLjvwpgqUuzWvaMztFoD3yrP"
    "W71Zmk4n03MATRObD/qNNJuOLs/BBlLWLdqhRRuKVUqH9sc3x4herxEZj6q/BTXoXBU6oU"
    "PTZW3ZhCKopnwCmbtQjKqSrNeyY3I/ZtQAWKr6GPQJ9FSguqS8ISlSiIaVDHzTiGMgLxl1"
    "92DOwfBqcn9xLYHbqXQ5uhtNxlEd1LnJLtELyJVJptLwOoa6TaApUwkiTerL3jWiVNztHa"
    "eFto7TnJ3jNMX4hm3dMl/KwBwi4U8J7xfZnbO35ji87MOnu+zGKGvkihByaOPqrk0raco8"
    "sFGrbaytQ5jMsb4czkLQNuD3YyLYmmEObCGYYk2zjV6eicAbclTMRmA6o4sZCXq30Hzj2a"
    "qOgEH/s8a2CZQV3TdWdEUQgJfAWkMA1RX8GwHKYgEJARpevY1rXK+cKsUo8XvY4hhd/nN7"
    "8Qit3h/CbtEFu4XHrZKiQUAl5IJWywWegSZFZ8z8vsIkzblejuv9yvamjDsWrjJwBgQCzD"
    "iY8xd69sgkVW7KOwKidNzg2shREKD/hAiyyi3mMAk3sO9tOStPK3lrbytpp0uhrWimaxXE"
    "NRvpjO9PKyOeQisQ34m4iJ4R0TPddKmI6BkRPdMFgFsePWOgGX6Eei/NKObfO8q1hhlItt"
    "iwgmawIXBGgyU2HRvV5fUIKLoKhrejHwDWtReALALIWumfvgeI/kUFVKiC79xnAMWEgN55"
    "M0cWMCkd3vw9aR+r6RkiAaldCUhlk4/2m3h06DM0Kqv0i3hy6ahsaaWf8OQ6n4O8VkipSJ"
    "soFXdJXu9PCgD9/iQTZ3YrLhXCJfpaBuKAgselvHexW6QDZUPfzcSQIulAmkIs2SaV+B6n"
    "3QPn2ym+tp3Rhbwi8KuB6HQV+BylFFxuM5edWLxScnSIQphNdptNGFx7UOrvvWk6Bm5RfT"
    "60qFoV5GKryMpOgQnuHuUq82ycSH35pkNIFKf+Qhl1JKDgUB3Zv75nKSb9JnKSizL06igZ"
    "d8HogyKB0oPsSOlBMlTaRaycYytCxB3I+1/NbB9J4vvPu8k4w3HojY8L22hhgf8BDZHaJL"
    "PeP5a27mxVYG4jzUI6ecse+2Nd0OdAzfCJCN4+xN/dDH+Jo395PbmIS9RsgosYK1BKTkD2"
    "QkdpiQBihSdXuDAfZUPPr/nIgsqmnLoZohB5j8lwqub1dw4BzVHf2fLbg/o+86bpFrZFtf"
    "fQN7o71qFZg0hHEc2yhxw6ssGNLfmM8WMvxSASunuUZxBxozfkNR3YMoPIt2INEdEDHY0e"
    "aLzOZbsxrqXQpYjQaMZi5wBGoKLBlJ14Br9maQQxOi6WdZ6OJ/0yy7dqbFW868n4kz88bu"
    "oQ6rdQv0WovAiVb5mmUyRU/pC6zibD+RuNst+l62za5/vNsWHv8VjdLcGEHAhs76JfxOKR"
    "vowJ33pI6/BZjsT71+ZaqCdkMltZYnXdKpdC3BI36GygQ22oloS/96976V66Ogcu9YN+cT"
    "+6vhqNP507HiOVcsTvS+BcdHntXJ1Kw6tfWQVFRX2J10+8HI4vpWs274Lh4wmDh4+LRUQO"
    "Gi4kmXuBsQYVPePLi9PGeDunxHUxd3ulWen2YjK5jkhPF6O4+Hp/cyFRJjg8CPIuk7ZwRz"
    "LFZk4MwO6vKj5Hgx8XPYhsRSv7cd0Mx/fD63PgUj/oX6SLz5PJT+fgGc6Zge1BH97PJufO"
    "3vqgfxrN5Nv7u8/nYIWsN4ZN1v6nJ7tU7sf3Zu3Z8A7/ORFsmwtYOq4jRtYgG20KoFJ2j2"
    "xNVD9dFrJtamWgDpHwl65cUzHHzYaCRtYpMR559RzDVPxBXUOMgYvYBhJCRfwKWIco+cO7"
    "lqUt+jDVbp5mzbhkrwBVGTNOjEw4/1OiKZyzW6ayFFqmopsdgZdC+qpgvJYh3XTUnSe/lX"
    "XCxMj421H2f0hi2zJsa7twS0OeRS+wLxDmCy2YYSfIifUNE4k9pvoeEzIqllR5kpT8rfZa"
    "xEPHdpctkGc7fROEPADeuNPXMZT6QmCa1z3XOplGLgyUJQyUz9h8zAjXzd5rIkQ8rPqYCa"
    "vQNvMuZ5t5l6KFMr+C282FQPp4tVzVw3Ry0RGmcOnD6tBn0AvsC2AvYnqy9xx+Y3p8H2oF"
    "tsdIRaWONlfq2LrFKzA6Tis43WZOO+EOFbgcphMcbjOHXW22QmWlEJ3gcJs57MckVRHGoq"
    "SCz23msxutWoXNUUrB5TZzWcTNi+z11gIqEhEOUrNf5LHXnMceKp6mIYXAFEPihUf48acp"
    "1JQMn6hfrY9Nwg/SkbUYNM8Mqgy+Ail/tm1tQ04++QzMQg1H9wBa0OyUw4Wm4dUrcQrypq"
    "7xiqe11UwqGgMtNxvNQ7VIQprsc3N3f5GJDt1kHYBNL0eAdb4FGtLhD043EAKh+jcC/vwz"
    "lPD2lj3gzz/pqCdIwBqaMNlVZK8zi/KoHS2PylRcKiltUmrt5WvREULhuGqLVl3EcUUsWK"
    "q0oj+ei3oPtadNWWZq5bI8eH2KBpOliKVi2+o1AvJZAYzPMiE+iyPMDqgkvtkRbP54LpZv"
    "05FrB+6o2Tb469g9csxIh2tP2Dbgi9o98vsTHrqwBd7QV++lqRHunXz9wRnTsmIW34qYXl"
    "vdPperctnyfTEy7qqe9U8HRRL4TgfZCXzsXjLHunyeZJSKv0DgWnIlTagik1n1LVwG6xgZ"
    "h2DXsa63qLHSNHaKnTBzl06hFN69pLv0CZpoiRaOhdVtD1xmUadTcygP7z9PDxHZRa90zk"
    "yMUqTLlEiXUXXCJO0lWtlmaeCTxAL7EtgTomVu4wXrk0VmaNCmpGPdf5vCVZTGk7FEAaeU"
    "D/qtNHarkxlQd4uTje7unAJmiBCngNnH4cgpPLZUUGvKjjG4nfDQMjapCBEPUk7jGZXQtO"
    "TqnVJTyEUgYJsDAf2zvAKvY6SCz23ms0ilyz7I+PVIijBfEZXaMkdCe8tjS/oTMrHOfBw/"
    "KybycE64FNKGHeX5F2BAID95FDV4G34PL8NH+ML+CT2694dwRxzQHeExpKhpyxvOoS2rf1"
    "pEU6Sjcgy1CV3xSdFsWKHzSpyOC7ybVhnDm0zqEt9tWolN0WY29G6nk6v7y9loMj4HQW3z"
    "B/12Kv08kr6wi/AJwWdWh/pn6XpyeyONZ6wO9RPUsOH/xMPbV4RGkA09vxqBbagVuR6lFF"
    "xvC9dT1P9EloPQA4UeKPTAgnrgiAojluL97oT6F7p7lKf1oe04EVnGlyoHNwoqVVx1S9Bm"
    "ubayOlckNoGOylHnEtEJJtYq97vxaduMdW/yZSxNzwF+pm/zoA+vbkZUmVDUDaJ6xI3EPN"
    "rnYAM3c3aXKRXs/0yncDOrD687iIayjUTpCBUtG/puCutFVDRlsYBGNbbHSIVLtj06WZLP"
    "joRIeTV/KaeXJehEZGky3MuCyqYcrCEKoevu1nWt1GzM0oruzJumY+AW1XJDi2p3AZ7gw9"
    "4DsHyX4UnsgaWL8dRpQfCtNynmg5BhJ9t24NlGhOGAL8NB2Vw0bpPQTopkrp9kp66fJHLX"
    "V8ha23PZhEaptKgYGQ8Bww30vBEtVXnsO1ktN8FPr+5oOuXSpH+whjRlgI4Q8bec9787u+"
    "1nWAtaRS9V7CJByB/a746L9gvKbRiUWNmIaQiaVgX1FFKBe1Hcve6RbvovNktF/aXR8od8"
    "LcclXbGmVWWxJwj5A7yupa7CpyqIx8gE3kXxNjGuuLEkKRsUEZsRD2vZVXSsQpbuTlI72u"
    "Zo7jE6/tb4oF8A7UE/E2x2K9YF3sRPSE0rQZ6Nc5imwRWt4YWiNbOs9y+MBzHLZZX4JCV/"
    "67qWbcRxA3qNIKHOYChb/CFjhgYrQPjWws4WgHiG8zXGj6wJpwmtCskimRPw8BU0nTRCEY"
    "S6s5U8wrSquTmVleKEwv2dUu0EWhZ9XkqtE9Y3PkMTCtHEI0fQwgL/AxoitXnCe/9Y2rpz"
    "uDjV0+mbkLfssT/Wdc7m4Mkwyl/x8cV9FA0PYRMkKmuIYK5vMJhL5NvwxvUi+TYi+kg0Vm"
    "shoCKcq8lwLtFPjc9+al1ZvFETxKGbg3USNc/iwtT+vXQJ+0wn4hurzeu79XHZTyEKVdBx"
    "4BUwbVsb8AhRZtGk6oBlFG7iBb06A5odsS4lmtkX97JDmZnEJOKYRRxzsx665lz9/UKe/n"
    "6Oo7+fjGXR7FUZfP3xIk58p/MTEdmAJsG6kuL53FX3Pkwpaq+XcL0J03f2gu+mEbSI6dup"
    "blDOZhcmEWbQ3VY7B6/mbExtQ7eokSm8rCJWpild49PR5ayglclWkbWfhvRspqLN6Dti2U"
    "umsgbVj6ojFS23xMn6jMdjbZM9q+PEX8GwCEhuMZxXYsS01RtnIp5gqlvv9xDL0P4DPPNt"
    "AHKIg/uue+37rhyHiyhzfUjTgKjc1fLKXf/GSK+kiUUIhSLWJUVMRKN0PxqFR0RFOAq/4S"
    "hdhTQrHuXANYkd1FNEcJ8b2cI3+0HCAceXlH3oCsQtchHVUn+4/Q7OhpJqa3FvKk90XZtl"
    "kw+jVDykXDWQeGgohDxjeviULdWcIOQP8FrqCXkFxdJOvQu0yjz4ImR7iVZvw/n3fb8/GH"
    "zoHw/en52efPhwena8PQiTt/JOxIvRJ3YoRtiQVMo8EN0q4+XTOzPIeVj4TSd3Enu+fU/Z"
    "Qlk5/QVarqdN1OApuzRh6c7rH6eSRCejlKwn2MRpEvagS+OZNL2dju7oPahb0DRMRGA7bI"
    "KIyFQvQE8pMs+ukJiATqSii3gYYYaNm2ETJq5CcQYGco+h10YZGGjGpungMiiW0yLiMdqd"
    "nNFFpAjLODhM+EoX4Wo6eqWLGDFnMcXFz4R4XQALr5u5Fx+yRq9NTeQzyie6RRHy+q2JuQ"
    "7u3Jl4AqpuL4wPWYYzJoRovk9GDnNxp2+mNwQEreg28gbpYG7iZzrDD8BaQ7DA+BHRfxTT"
    "RJAAxRsHTEVX8QY8wpcjQCxs0kvMlgfVt3Glc99zC29Ru7xFlE2l7b9hGu58RjU06iPm0l"
    "XZyoAcpWpz2FtrgHZ2Tro56ymWk2ygo1TceekGhTwZgxxPxiClfnxKUb6ckvFplfi6j6xo"
    "6SlMf/uIwNQUwgqGQr0C3+O0gvNd4jz8aiA6WwW+Ryk55HpHuOxjkl/mUQQE1xsQLKJXOx"
    "y9+sWtnH0FNfQEzZdeiu0kPuQoz37iV+JW3dEIFjSi+LMDpBKgaOzUeQFrRVc1qB4BgoEC"
    "TOhNClXgeJaA6zohANOFlbSd7GfK1LS2cHMDbwan26nIcDukNaU7bSoaU/P3H5ESXu4lcI"
    "6R8Qh1v0hJHDoqJyA3URTHhAtIcauilMZIOZRSOdNNSgSk1CkRDOmpvVinCQLendzzXwnG"
    "iKQWXg7WCm22Xtthq3V7TSy15bRQastpTmrLaSL5wihl1/WGc4juu6I9+vJa9CWsu1i3Un"
    "0T2V1XQiTNN105jHVnb+1VDnqY/fV/S38hzw=="
)
