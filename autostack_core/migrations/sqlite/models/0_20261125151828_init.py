from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "users" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "email" VARCHAR(254) NOT NULL UNIQUE,
    "name" VARCHAR(120) NOT NULL,
    "avatar_url" VARCHAR(500),
    "password_hash" VARCHAR(200),
    "github_id" BIGINT UNIQUE,
    "github_token_sealed" TEXT,
    "subscription_tier" VARCHAR(16) NOT NULL /* FREE: free\nPRO: pro\nENTERPRISE: enterprise */,
    "is_active" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "api_tokens" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(120) NOT NULL,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "prefix" VARCHAR(16) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "last_used_at" TIMESTAMP,
    "expires_at" TIMESTAMP,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
) /* A CLI\/API token; only its sha256 is stored (tokens are 256-bit random). */;
CREATE TABLE IF NOT EXISTS "teams" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(120) NOT NULL,
    "slug" VARCHAR(48) NOT NULL UNIQUE,
    "is_personal" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "owner_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT
);
CREATE TABLE IF NOT EXISTS "audit_events" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "action" VARCHAR(64) NOT NULL,
    "target_type" VARCHAR(32) NOT NULL,
    "target_id" VARCHAR(64) NOT NULL,
    "data" JSON NOT NULL,
    "ip" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "team_id" INT REFERENCES "teams" ("id") ON DELETE CASCADE,
    "user_id" INT REFERENCES "users" ("id") ON DELETE SET NULL
);
CREATE TABLE IF NOT EXISTS "invitations" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "role" VARCHAR(16) NOT NULL /* OWNER: owner\nADMIN: admin\nMEMBER: member\nVIEWER: viewer */,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "accepted_at" TIMESTAMP,
    "invited_by_id" INT REFERENCES "users" ("id") ON DELETE SET NULL,
    "team_id" INT NOT NULL REFERENCES "teams" ("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "projects" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
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
    "auto_deploy_enabled" INT NOT NULL,
    "webhook_secret_sealed" TEXT,
    "retention_keep" INT,
    "settings" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "team_id" INT NOT NULL REFERENCES "teams" ("id") ON DELETE CASCADE,
    "user_id" INT REFERENCES "users" ("id") ON DELETE SET NULL
);
CREATE TABLE IF NOT EXISTS "deploy_hooks" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(120) NOT NULL,
    "branch" VARCHAR(200) NOT NULL,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "token_sealed" TEXT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "deployments" (
    "id" VARCHAR(16) NOT NULL PRIMARY KEY,
    "state" VARCHAR(16) NOT NULL /* QUEUED: queued\nBUILDING: building\nDEPLOYING: deploying\nREADY: ready\nERROR: error\nCANCELED: canceled */,
    "is_production" INT NOT NULL,
    "creator_type" VARCHAR(16) NOT NULL /* MANUAL: manual\nWEBHOOK: webhook\nAUTO: auto\nGIT_PUSH: git-push\nDEPLOY_HOOK: deploy-hook */,
    "source_type" VARCHAR(16) NOT NULL,
    "git_url" VARCHAR(500),
    "commit_sha" VARCHAR(64),
    "commit_message" VARCHAR(500),
    "branch" VARCHAR(200),
    "pull_request" INT,
    "upload_manifest" JSON,
    "source_hash" VARCHAR(64),
    "output_manifest_hash" VARCHAR(64),
    "detection" JSON,
    "deployment_url" VARCHAR(500),
    "error_message" TEXT,
    "cancel_requested" INT NOT NULL,
    "worker_id" VARCHAR(100),
    "build_time_seconds" REAL,
    "deploy_time_seconds" REAL,
    "created_at" TIMESTAMP NOT NULL,
    "building_at" TIMESTAMP,
    "deploying_at" TIMESTAMP,
    "ready_at" TIMESTAMP,
    "error_at" TIMESTAMP,
    "canceled_at" TIMESTAMP,
    "deleted_at" TIMESTAMP,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE,
    "user_id" INT REFERENCES "users" ("id") ON DELETE SET NULL
);
CREATE TABLE IF NOT EXISTS "aliases" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "hostname" VARCHAR(253) NOT NULL UNIQUE,
    "kind" VARCHAR(16) NOT NULL /* PRODUCTION: production\nDEPLOYMENT: deployment\nBRANCH: branch\nPULL_REQUEST: pull-request\nCUSTOM: custom */,
    "branch" VARCHAR(200),
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "deployment_id" VARCHAR(16) REFERENCES "deployments" ("id") ON DELETE SET NULL,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "analytics_events" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "event_type" VARCHAR(16) NOT NULL /* REQUEST: request\nERROR: error\nMETRIC: metric */,
    "path" VARCHAR(2000) NOT NULL,
    "status_code" INT,
    "response_time_ms" REAL,
    "user_agent" VARCHAR(500) NOT NULL,
    "country" VARCHAR(2),
    "timestamp" TIMESTAMP NOT NULL,
    "deployment_id" VARCHAR(16) NOT NULL REFERENCES "deployments" ("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "analytics_rollups" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "bucket" TIMESTAMP NOT NULL,
    "requests" INT NOT NULL,
    "errors" INT NOT NULL,
    "bytes_sent" BIGINT NOT NULL,
    "visitors" INT NOT NULL,
    "avg_response_ms" REAL NOT NULL,
    "p95_response_ms" REAL NOT NULL,
    "deployment_id" VARCHAR(16) REFERENCES "deployments" ("id") ON DELETE SET NULL,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_analytics_r_project_9db0e4" UNIQUE ("project_id", "deployment_id", "bucket")
) /* Per-project, per-hour aggregates of the edge's access log. */;
CREATE TABLE IF NOT EXISTS "deployment_logs" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "timestamp" TIMESTAMP NOT NULL,
    "step" VARCHAR(16) NOT NULL,
    "stream" VARCHAR(8) NOT NULL,
    "line" TEXT NOT NULL,
    "deployment_id" VARCHAR(16) NOT NULL REFERENCES "deployments" ("id") ON DELETE CASCADE
) /* One build or deploy log line; the seed's ``deployments.logs`` lives here. */;
CREATE TABLE IF NOT EXISTS "domains" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "domain_name" VARCHAR(253) NOT NULL UNIQUE,
    "git_branch" VARCHAR(200),
    "redirect_to" VARCHAR(253),
    "redirect_status" INT,
    "verification_token" VARCHAR(64) NOT NULL,
    "is_verified" INT NOT NULL,
    "dns_configured" INT NOT NULL,
    "ssl_status" VARCHAR(16) NOT NULL /* NONE: none\nPENDING: pending\nISSUED: issued\nFAILED: failed */,
    "ssl_error" TEXT,
    "cert_expires_at" TIMESTAMP,
    "verified_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "environment_variables" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "key" VARCHAR(256) NOT NULL,
    "value_sealed" TEXT NOT NULL,
    "environment" VARCHAR(16) NOT NULL /* PRODUCTION: production\nPREVIEW: preview\nDEVELOPMENT: development */,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_environment_project_0a568f" UNIQUE ("project_id", "key", "environment")
);
CREATE TABLE IF NOT EXISTS "team_members" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "role" VARCHAR(16) NOT NULL /* OWNER: owner\nADMIN: admin\nMEMBER: member\nVIEWER: viewer */,
    "joined_at" TIMESTAMP NOT NULL,
    "team_id" INT NOT NULL REFERENCES "teams" ("id") ON DELETE CASCADE,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_team_member_team_id_a71b13" UNIQUE ("team_id", "user_id")
);
CREATE TABLE IF NOT EXISTS "user_sessions" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "key_hash" VARCHAR(64) NOT NULL UNIQUE,
    "csrf_token" VARCHAR(64) NOT NULL,
    "user_agent" VARCHAR(300) NOT NULL,
    "ip" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "last_seen_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
) /* A signed-in browser; the cookie carries a signed random key, stored hashed. */;
CREATE TABLE IF NOT EXISTS "webhook_deliveries" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "provider" VARCHAR(16) NOT NULL,
    "delivery_id" VARCHAR(128) NOT NULL,
    "received_at" TIMESTAMP NOT NULL,
    CONSTRAINT "uid_webhook_del_provide_c34e62" UNIQUE ("provider", "delivery_id")
) /* Delivery ids already handled, so a redelivered event deploys once. */;
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSON NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXetzm7gW/1cYf7ndmTQ3tZM0m93ZGSehre8mdtZx2n1kh2Kj2NpgxCJImtnt/34lHu"
    "aNgQAGVZ+ago7AvyOk8z7/9NZIASreH6pQxr1T4Z+eJq8B+SN8Y0/oybruX6YXTHmu2iNl"
    "OgQ4g+bYNOSFSS7fyyoG5JIC8MKAugmRRq5qlqrSi2hBBkJt6V+yNPi3BSQTLYG5Aga58c"
    "ef5DLUFPAFYO+/+oN0D4GqhF4VKvTZ9nXJfNbtayPNfGcPpE+bSwukWmvNH6w/myukbUZD"
    "zaRXl0ADhmwCOr1pWPT16du5P9T7Rc6b+kOcVwzQKOBetlQz8HPnkn+tJ0njyUy6EWeS1C"
    "sA0AJpFFzyqg6jlvQVXvffHL49PBkcH56QIfZrbq68/eo82gfGIbThGc96X+37sik7I2yM"
    "fVBXCJv23zFoz1eykYxtkCaCMHn1KMIenu2FeC1/kVSgLc0VxfVokAHox+H0/MNw+oqM+o"
    "4+EpHPwPk8xu6tvnOPou6j/EB+WTLComatbZRH5J1kbQFiaHu01SDtXfCh9r/g8lj3rqeT"
    "i9vz2WgyPhV0AynWgt650y7E68vJb1fieHYqKEBX0fMaaOaddjYdjs8/nApzg/zm1Z12fX"
    "t5KU3FX27FGzJSJy/w2gDkjTEZe357M5tcnQoLC5to3SvB0zfHOVj65jiVo/RWmKHOexf5"
    "aHyKUox0P4ia+Vj2mzk4yPPNHBykfzP0XhjihQEoHJJsxmG+IHdMuAbJUIcpI3ArLum+90"
    "d7vqL86JMfqEw09dldGBngz0ZX5JMaXl3Tx60x/lu18RvORHqnb199jlx9Ff0SNpMIn0az"
    "DwL9r/D7ZCza8JLDYGnYT/THzX7v0XeSLRNJGnqSZCWwqXtXPdRCXLd0pSTXw5Sc623huo"
    "dRgO3u2/tc948GKUnKS99VY4Tsba7VH17kgP4LLJKhThWow0TbBesufFAVyNZUW7l/SBSt"
    "XcTiGL9DBoBL7WfwHJP8Iri62tm1P1PHIP7qLSPvqv+1GfLTRsmLrC6CAPndwHQ+/uHN+f"
    "BC7KVsGBXAexGarFt7RV6AYxtlCGPyFsKYiOA9ez3P5cXDk2woUmhh0zuojyJXNmPjt9b9"
    "dfSKrMlLGyP6Y+ire+YHTVafTbjA4iOwf0LcQBEesZdpqfDGSoAObpnJ4gwuvxWrxff9/m"
    "Dwtn8wOD45Onz79ujkYLPFxm9l7bVno/d0uw2dcNttGzb3HRgTRYrtund4hlZr4BvleaM3"
    "i9PpZHoqAMNAxp12Jc6mo/NTYQ0I6xbt0KJ12SykQ3vjm2NEr9eIjEfU35wadKYKHdOhyb"
    "I2LUwQVBI+gdRdKEJVStZr2TFZjRnVB5aoPjp5AjkViC4prXGCFKIiOQXfJOIIyPeUunsw"
    "Z2B4Mbk9uxSF66l4ProZTcZhHdS+SS+RC9CRSabi8DKCuoWBIREJIknqS981wlTM7R1Hub"
    "aOo4yd4yjB+IYszTSei8AcIGFPCe/n2Z3Tt+YovPTDJ7vsWi9q5AoRMmjj6q5NK27K3LFR"
    "q22srUOYzLC+7M5C0DbgqzERbMwwO7YQTJGqWnovy0TgDtnLZyMw7NH5jAS9a2C8dm1Ve4"
    "JO/rNCliHIS7JvLMmKwAK6F8wVEICyBP/BgrxYAIwFFS33oxrXC6dKMEr8EbQ4hpf/3Fo8"
    "ALP3J7dbdMFu4XKroGjgU3G5oNVygWugSdAZU7+vIElzrpeDer+yypRx28JVBE6fgIMZBX"
    "P+TM4eCSfKTVlHQJiOGVwbOQp89B8hhmaxxRwkYQb2ypaz/LiUNva2gna6BNqSZrpWQVyz"
    "kU7//qg04gm0HPGtiPPoGR49002XCo+e4dEzXQC45dEzOpyhB6D1koxi3r29TGuYDiWTDs"
    "tpBhsK55ej/w6vR4JN9YOANPVZgCYW8EruHx0LkPxFhFKgCK+ceQXZAAK583oOTcGQNQWt"
    "v4vbxCqclycatSvRqGiSUbUJRrs+K8MyST+Px5aMSpdK+jGPrf05SCsZF4qoCVMxl8x1fJ"
    "gD6OPDVJzpraj0B+7hlyIQ+xQsLuXKxWue9pMOfTcTQPKk/agyNiULl+J7lLYCzrdTTG07"
    "o3N5P8AXHZLpSvA5TMm53GYu2zF3heToAAU3j2w3j1C4KlDeb91pOgZuXr09sKhaFcxiKd"
    "BMT3Xx7+5lKu10HE9x+aZDRWS7zkIRdcSnYFAdqV7fM2WDfBMZSUQpenWYjLmg80GegOhB"
    "ekT0IB4S7SBWzIEVImIO5OpXM91H4vj+72YyTnEQuuOjwjZcmMK/ggpxbZJZ78d7S7O3Km"
    "FuQdWEGt6nj/2pLugzoKb4hARvD+JXV8Nfo+ifX07OohI1neAswgqYEPufvtBhUsA/X+Hx"
    "Fc7NR+nQs2s+MoG8LqZuBih4fmM8bKp5/Z1BQDPUd7r8KlDfZ+403cI2r/Ye+Ea3xzQ0ax"
    "DpKKJp9pBdRzA4MSQfEHroJRhEAnf3sgwiTpSGtCIDW2YQ+VasITx6oKPRA43Xs2w3xrUU"
    "tOQRGs1Y7GzAMJBVkLATz8CXNI0gQsfEss7S8cRfZ9lWjY2KdzkZv/eGR00dXP3m6jcPie"
    "ch8S3TdPKExO9S11mnOH/D0fTbdJ11+3y/GTbsCo/V7RJMwIFA9y7yRSweyMsYYN9FWgNP"
    "UiiuvzbXQj0hk+nKEq3fVrrk4Ya4QWcDGWoBpSD8vV9uxVvx4lRwqO+0s9vR5cVo/P7U9h"
    "gphCNe/wH7osNr++pUHF78RislyspztE7i+XB8Ll7SeRcUH1cY3H1cLMSS31ghztwzhFQg"
    "aylfXpQ2wts5Ia6LuZsrzUq3Z5PJZUh6OhtFxdfbqzORMMHmgZ9fGbeF25IpMjJiALZ/Vd"
    "E5Gvy4yEFkyWrRj+tqOL4dXp4KDvWd9kk8+zCZ/HwqPIE5NbDdacPb2eTU3lvvtPejmXR9"
    "e/PhVFhC87Vu4ZX36UkOlfPxvV65Nrzdf04YWcYCFI7riJA1yEaLACgX3SNbE9VPloVkGW"
    "oRqAMk7KUl11S0cb0moOFVQoxHVt3GIBV7UNcQY+AgtgYYExG/BNYBSvbwrmVp835LtZun"
    "adMtyS00VcSMEyHjzv+EaAr77JaILAXvE9FNj8BLIH1RMF7LkG466s6V34o6YSJk7O0o1R"
    "+SyDJ1y9ws3MKQp9Fz7HOE+QITpNgJMmJ9g0R8jym/xwSMigVVnjgle6u9FvHQtt2lC+Tp"
    "Tt8YIQuAN+70tQ2lnhCY5HXPtE4mkXMDZQED5RMyHlLCddP3mhARC6s+YsLKtc28ydhm3i"
    "RoodSv4HRtwYA8XilW3TCZnHd+yV3isDz0KfQc+xzY85ie9D2H3Zgez4dagu0RUl6po82V"
    "OjZu8RKMjtJyTreZ03a4QwkuB+k4h9vMYUebLVFZKUDHOdxmDnsxSWWEsTAp53Ob+exEq5"
    "Zhc5iSc7nNXOZx8zx7vbWA8kSEndTm53nsNeexB4qnqVDGIMGQeOYSvvt5ClQ5xSfqVeuj"
    "k7CDdGgt+k0y/SqDL0DKm21T25CRTz4Fs0Bj0QpA85uaMrjQVLR8IU5+3tQlWrK0tppJRa"
    "OgZWajuajmSUiTPG5u7yMy0YCTrCMgw80RoB1uBRVq4Ae7+y0GQPkPFj5/DiS87dMHfP5M"
    "Rj0CLKyAAeKdRCqdmZdH7Wh5VKriEklpnVBrL1uLDhFyx1VbtOo8jitsgkKlFb3xTNR7qD"
    "1tyjQSK5dlwetRNJgshU0FWWavEZBPcmB8kgrxSRRhekDF8U2PYPPGM7F8m45c23HnzLbB"
    "X8fukWFG2l0bwrYBn9fukd2HcNeFLdCavHovSY1w7mTrD/aYlhWz+FbE9Nrq9jlclYqW74"
    "uQMVf1rH80yJPAdzRIT+Cj9+I51sXzJMNU7AUC15IraQAFGtSqb6IiWEfIGAS7jnW9QY2W"
    "prES7ISpu3QCJffuxd2lj8CA93BhW1idNsBFFnUyNYPycPV5ehBLDnqFc2YilDxdpkC6jK"
    "JhKmnfw6VlFAY+TsyxL4A9xmrqNp6zPllohgZtShrSvLfJXUVpPBmLBHBCeaddi2OnOpkO"
    "NKc42ejmxi5gBjG2C5i9G47swmP3MmxN2TEKtx0eWsQmFSJiQcppPKMSGKZUvlNqAjkPBG"
    "xzIKB3lpfgdYSU87nNfOapdOkHGbseSR7my6NSW+ZIaG95bFF7hAbSqI/jo2xAF+eYSyFp"
    "2F6WfwH4BNKjS1GDt+GP4DJ8AM/0n8Cje39yd8QO3REuQ/KattzhDNqy+kd5NEUyKsNQG9"
    "MVH2XVAiU6r0TpmMC7aZUxuMkkLvHtppXIFG1mQ+96Orm4PZ+NJuNTwa9tfqddT8WPI/ET"
    "vQgeIXiidag/ipeT6ytxPKN1qB+BinTvJ+7evsI1gnTo2dUILF0pyfUwJed6W7ieoP7Hsh"
    "y4Hsj1QK4H5tQDR0QYMWX3d8fUv8DdvSytD27G8cgytlQ5sJZhoeKqG4I2y7Wl1bk8sQlk"
    "VIY6F4tOMJBaut+NR9tmrHuTT2NxeiqgJ/I2d9rw4mpElAlZWUOiR1yJ1KN9KqzBek7vUq"
    "WC/p/qFE5m9e51B95QtpEoHa6ipUPfTWE9j4omLxZAL8f2CCl3ybZHJ4vz2ZYQCa/mz8X0"
    "shgdjyyNh3uZQF4XgzVAwXXd7bqumZiNWVjRnbnTdAzcvFpuYFFtL8Djf9gVAMt2GZ7YHl"
    "i4GE+dFgTPepNgPggYdtJtB65thBsO2DIcFM1FYzYJ7TBP5vpheur6YSx3fQnNlTWXDKAX"
    "SouKkLEQMNxAzxveUpXFvpPlchO89OqOplPeG+QP2pCmCNAhIvaWc/W7s9N+hraglbVCxS"
    "5ihOyh/eYgb7+gzIZBsZUNqYagqmVQTyDluOfF3e0e6aT/IqNQ1F8SLXvI13JckhVrmGUW"
    "e4yQPcDrWuoKeCyDeISM450XbwOhkhtLnLJBEbEZ8bCWXUVDCqDp7jixo22G5h6hY2+ND/"
    "o50B70U8GmtyJd4A30CJWkEuTpOAdpGlzRKlrIajPLunph3I9ZLqrExynZW9e1bCO2G9Bt"
    "BAk0CkPR4g8pMzRYAcKzFna2AMQTmK8QeqBNOA1glkgWSZ2Aha+g6aQRgiDQ7K3kASRVzc"
    "2orBQl5O7vhGonwDTJ8xJqndC+8SmaUIAmGjkCF6bwr6BCXJsnvPfjvaXZh4tdPZ28Cd6n"
    "j/2prnM2A0+KUfaKjy7uvXB4CJ0gVlmDB3N9g8FcPN+GNa7nybfh0Ue8sVoLAeXhXE2Gc/"
    "F+amz2U+vK4g2bIHbdHKyTqLkWF6r2V9Il7AOZiG2s1i/v1sdkP4UwVH7HgRfAtGltwCJE"
    "qUWTygOWUriJFfTqDGi2xbqEaGZP3EsPZaYSE49j5nHMzXromnP193N5+vsZjv5+PJZFtZ"
    "ZF8PXG8zjxrc5PiCUdGBhpcoLnc1vd+yAlr71ewPXGTd/pC76bRtA8pm+7ukExm12QhJtB"
    "t1vtbLyaszG1Dd28RqbgsgpZmaZkjU9H57OcViZLgWY1DenpTHmb0XfEshdPZfWrH5VHKl"
    "xuiZH1GY3H2iR7lseJvYJhIZCcYjgvxIhqq1f2RCzBVLfe7yKWov37eGbbAKQAB6uue+35"
    "rmyHCy9zvUvTAK/c1fLKXX8hqJXSxEKEXBHrkiLGo1G6H43CIqI8HIXdcJSuQpoWj7Ljms"
    "Q26gkiuMeNdOGb/iDugGNLyt51BeIWuYhqqT/cfgdnQ0m1tbg35Ueyro2iyYdhKhZSrhpI"
    "PNRljJ8QOXyKlmqOEbIHeC31hNyCYkmn3hlcph58IbJKotXbcP593+8PBm/7B4Pjk6PDt2"
    "+PTg42B2H8VtaJeDZ6Tw/FEBviSpkLolNlvHh6Zwo5Cwu/6eRObM037ymZMC2nP0fL9aSJ"
    "Gjxl7w1QuPP6u6kokskIJe0JNrGbhN1p4ngmTq+noxtyD2gmMHQDYtAOmyDEEtEL4GOCzL"
    "MtJMan46noPB6Gm2GjZtiYiStXnIEOnWPopVEGOpzRaTq4DPLltPB4jHYnZ3QRKUwzDnYT"
    "vtJFuJqOXukiRtRZTHDxMiFeFsDC6mbuxoes4EtTE9mM8glvURi/fGuiroMbZyaWgKrbC+"
    "NBluKMCSCa7ZORglzc6pvpDQUMl2QbeQ01YW6gJzLDD4K5AsICoQdI/pENAwIsyO44wZA1"
    "Ba2FB/C8J2ATGeQSteUBZT+qdFY9N/cWtctbRNhU2P4bpGHOZ1RDoz5s3DsqWxGQw1RtDn"
    "trDdD2zkk2Zy3BcpIOdJiKOS/dIJcnY5DhyRgk1I9PKMqXUTI+qRJf95HlLT256a+KCExV"
    "xrRgKNBK8D1KyznfJc6DLzoks5Xge5iSQa53hMseJtllHnlAcL0BwTx6tcPRq5+cytkXQI"
    "WPwHjuJdhOokP2suwnXiVuxRkNQU4jije7ABUsyCo9dZ6FlawpKlD2BIwEWTCAOylQBNuz"
    "JDiuEywgsrDitpNqpkxMaws2N3BnsLud8gy3XVpTutOmojE1v/qIlOByL4BzhIxFqPt5Su"
    "KQURkBubGiOAZYAIJbGaU0QsqglMqYblIgIKVOiWBITu3FKkkQcO9knv+yP4YntbBysJZo"
    "s/XSDlut22siqS1HuVJbjjJSW45iyRd6IbuuO5xBdN/k7dGX1aIvZt1Fmpnom0jvuhIgab"
    "7pym6sO5W1V9npYfb1/89jGbc="
)
