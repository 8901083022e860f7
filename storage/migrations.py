"""The schema, as an append-only list of migrations; `PRAGMA user_version` counts those applied.

Never edit a migration that has shipped: add a new one. A database made by any earlier
version is migrated forward at start-up and keeps its data (tests/unit/test_storage.py).
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: users, bakes and what is logged during a bake.
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,                 -- the Telegram user id
        chat_id INTEGER NOT NULL,
        first_name TEXT NOT NULL DEFAULT '',
        timezone TEXT,                          -- NULL: the DEFAULT_TIMEZONE setting
        temp_unit TEXT NOT NULL DEFAULT 'C' CHECK (temp_unit IN ('C', 'F')),
        setup_done INTEGER NOT NULL DEFAULT 0,
        selected_bake_id INTEGER,
        created_at TEXT NOT NULL
    );
    CREATE TABLE bakes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        flour_g REAL, water_g REAL, starter_g REAL, salt_g REAL,
        dough_temp_c REAL,
        phase TEXT NOT NULL DEFAULT 'bulk' CHECK (phase IN ('bulk', 'cold_proof', 'proof', 'done')),
        started_at TEXT NOT NULL,
        bulk_ended_at TEXT,
        finished_at TEXT,
        rating INTEGER CHECK (rating BETWEEN 1 AND 5),
        notes TEXT
    );
    CREATE INDEX bakes_by_user ON bakes (user_id, started_at DESC);
    CREATE TABLE rise_readings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        bake_id INTEGER NOT NULL REFERENCES bakes(id) ON DELETE CASCADE,
        taken_at TEXT NOT NULL,
        rise_pct REAL NOT NULL,
        start_height REAL,
        current_height REAL
    );
    CREATE INDEX rise_by_bake ON rise_readings (bake_id, taken_at);
    CREATE TABLE temperatures (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        bake_id INTEGER NOT NULL REFERENCES bakes(id) ON DELETE CASCADE,
        taken_at TEXT NOT NULL,
        temp_c REAL NOT NULL
    );
    CREATE INDEX temps_by_bake ON temperatures (bake_id, taken_at);
    CREATE TABLE bake_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        bake_id INTEGER NOT NULL REFERENCES bakes(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,                     -- mix, fold, fridge_in, fridge_out, proof, done
        at TEXT NOT NULL,
        detail TEXT
    );
    CREATE INDEX events_by_bake ON bake_events (bake_id, at);
    """,
    # 2: durable reminders and the settings that plan them.
    """
    ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE users ADD COLUMN folds_count INTEGER NOT NULL DEFAULT 4;
    ALTER TABLE users ADD COLUMN fold_interval_min INTEGER NOT NULL DEFAULT 30;
    ALTER TABLE users ADD COLUMN rise_check_interval_min INTEGER NOT NULL DEFAULT 60;
    ALTER TABLE users ADD COLUMN preheat_min INTEGER NOT NULL DEFAULT 60;
    ALTER TABLE users ADD COLUMN quiet_start TEXT;
    ALTER TABLE users ADD COLUMN quiet_end TEXT;
    ALTER TABLE bakes ADD COLUMN folds_count INTEGER;
    ALTER TABLE bakes ADD COLUMN fold_interval_min INTEGER;
    ALTER TABLE bakes ADD COLUMN proof_ends_at TEXT;
    CREATE TABLE reminders (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        bake_id INTEGER REFERENCES bakes(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        due_at TEXT NOT NULL,                   -- UTC
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sent', 'cancelled', 'failed', 'missed')),
        label TEXT,
        seq INTEGER,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX reminders_pending_by_due ON reminders (due_at) WHERE state = 'pending';
    CREATE INDEX reminders_by_user ON reminders (user_id, state);
    CREATE INDEX reminders_by_bake ON reminders (bake_id, state);
    """,
    # 3: the fermentation model: targets, predictions, per-baker calibration, the starter log.
    """
    ALTER TABLE users ADD COLUMN target_rule TEXT NOT NULL DEFAULT 'temp';
    ALTER TABLE users ADD COLUMN target_fixed_pct REAL;
    ALTER TABLE users ADD COLUMN calibration TEXT;
    ALTER TABLE bakes ADD COLUMN target_rise_pct REAL;
    ALTER TABLE bakes ADD COLUMN model_bulk_hours REAL;
    ALTER TABLE bakes ADD COLUMN predicted_bulk_hours REAL;
    CREATE TABLE starter_feedings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        fed_at TEXT NOT NULL,
        starter_parts REAL NOT NULL,
        flour_parts REAL NOT NULL,
        water_parts REAL NOT NULL,
        temp_c REAL,
        peak_hours REAL NOT NULL
    );
    CREATE INDEX feedings_by_user ON starter_feedings (user_id, fed_at DESC);
    """,
    # 4: a target the baker set by hand stays put when the dough temperature changes.
    """
    ALTER TABLE bakes ADD COLUMN target_manual INTEGER NOT NULL DEFAULT 0;
    """,
    # 5: one transaction per action. `source_key` names the message or button an entry came from,
    # so a replayed update or a double tap finds what the first one made instead of adding it
    # twice, and an edited message finds the reading it carried. Dialog state survives restarts.
    """
    ALTER TABLE bakes ADD COLUMN source_key TEXT;
    ALTER TABLE rise_readings ADD COLUMN source_key TEXT;
    ALTER TABLE temperatures ADD COLUMN source_key TEXT;
    ALTER TABLE reminders ADD COLUMN source_key TEXT;
    ALTER TABLE starter_feedings ADD COLUMN source_key TEXT;
    CREATE UNIQUE INDEX bakes_by_source ON bakes (user_id, source_key) WHERE source_key IS NOT NULL;
    CREATE UNIQUE INDEX rise_by_source ON rise_readings (source_key) WHERE source_key IS NOT NULL;
    CREATE UNIQUE INDEX temps_by_source ON temperatures (source_key) WHERE source_key IS NOT NULL;
    CREATE UNIQUE INDEX reminders_by_source ON reminders (user_id, source_key) WHERE source_key IS NOT NULL;
    CREATE UNIQUE INDEX feedings_by_source ON starter_feedings (user_id, source_key)
        WHERE source_key IS NOT NULL;
    -- Every reading asks for the baker's active bake: this index holds only the active ones.
    CREATE INDEX bakes_active ON bakes (user_id, started_at DESC)
        WHERE phase IN ('bulk', 'cold_proof', 'proof');
    CREATE INDEX reminders_by_bake_kind ON reminders (bake_id, kind);
    CREATE TABLE fsm_state (
        bot_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        thread_id INTEGER NOT NULL DEFAULT 0,
        destiny TEXT NOT NULL DEFAULT 'default',
        state TEXT,
        data TEXT NOT NULL DEFAULT '{}',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (bot_id, chat_id, user_id, thread_id, destiny)
    );
    CREATE INDEX fsm_by_user ON fsm_state (user_id);
    """,
    # 6: nothing lost. Every update is recorded before Telegram is told it arrived and marked done
    # once handled; a baker who blocks the bot has their reminders paused, not cancelled; a reply
    # that could not be delivered leaves a note for the next message that gets through.
    """
    CREATE TABLE inbox (
        update_id INTEGER PRIMARY KEY,
        payload TEXT NOT NULL,                  -- the update as Telegram sent it (JSON)
        received_at TEXT NOT NULL,
        done_at TEXT
    );
    CREATE INDEX inbox_open ON inbox (update_id) WHERE done_at IS NULL;
    ALTER TABLE users ADD COLUMN blocked_at TEXT;
    ALTER TABLE users ADD COLUMN undelivered TEXT;
    """,
    # 7 (issue 14; planned as 8, landed first): photos, recipes, several starters, sharing.
    # Photos are Telegram file_ids only. A bake records its flour mix, the starter it was mixed
    # with (and that starter's learned pace), the recipe it came from. The feedings logged so far
    # were of the one starter everybody had.
    """
    CREATE TABLE starters (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        archived_at TEXT,
        calibration TEXT,                       -- its learned peak pace (schedules.calibration, JSON)
        source_key TEXT
    );
    CREATE INDEX starters_by_user ON starters (user_id, created_at);
    CREATE UNIQUE INDEX starters_by_source ON starters (user_id, source_key) WHERE source_key IS NOT NULL;
    INSERT INTO starters (user_id, name, created_at)
        SELECT user_id, 'My starter', MIN(fed_at) FROM starter_feedings GROUP BY user_id;
    ALTER TABLE starter_feedings ADD COLUMN starter_id INTEGER REFERENCES starters(id) ON DELETE CASCADE;
    ALTER TABLE starter_feedings ADD COLUMN peaked_at TEXT;
    UPDATE starter_feedings
        SET starter_id = (SELECT s.id FROM starters s WHERE s.user_id = starter_feedings.user_id);
    CREATE INDEX feedings_by_starter ON starter_feedings (starter_id, fed_at);
    CREATE TABLE recipes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        flour_g REAL NOT NULL, water_g REAL, starter_g REAL, salt_g REAL,
        flour_mix TEXT,
        target_rise_pct REAL,                   -- only a target set by hand
        folds_count INTEGER,
        fold_interval_min INTEGER,
        created_at TEXT NOT NULL,
        source_key TEXT
    );
    CREATE INDEX recipes_by_user ON recipes (user_id, name);
    CREATE UNIQUE INDEX recipes_by_source ON recipes (user_id, source_key) WHERE source_key IS NOT NULL;
    ALTER TABLE bakes ADD COLUMN flour_mix TEXT;
    ALTER TABLE bakes ADD COLUMN starter_id INTEGER REFERENCES starters(id) ON DELETE SET NULL;
    ALTER TABLE bakes ADD COLUMN starter_factor REAL;
    ALTER TABLE bakes ADD COLUMN recipe_id INTEGER REFERENCES recipes(id) ON DELETE SET NULL;
    CREATE TABLE bake_photos (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        bake_id INTEGER REFERENCES bakes(id) ON DELETE CASCADE,  -- NULL: waiting for the baker to pick
        file_id TEXT NOT NULL,
        file_unique_id TEXT,
        caption TEXT,
        taken_at TEXT NOT NULL,
        source_key TEXT
    );
    CREATE INDEX photos_by_bake ON bake_photos (bake_id, taken_at);
    CREATE INDEX photos_by_user ON bake_photos (user_id);
    CREATE UNIQUE INDEX photos_by_source ON bake_photos (user_id, source_key) WHERE source_key IS NOT NULL;
    CREATE TABLE shares (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        code TEXT NOT NULL UNIQUE,              -- secrets.token_urlsafe: the link's only key
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        bake_id INTEGER NOT NULL REFERENCES bakes(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        include_notes INTEGER NOT NULL DEFAULT 0,
        include_readings INTEGER NOT NULL DEFAULT 0,
        include_photos INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX shares_by_bake ON shares (user_id, bake_id);
    """,
    # 8 (issue 11; meant as 7, the next free number when it landed): planning a bake backwards
    # from when the bread should be ready. One active plan per baker; its steps are reminders
    # (reminders.plan_id); the bake started at mixing time is linked to it. The cold proof is
    # modelled at the baker's fridge temperature.
    """
    CREATE TABLE plans (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        bake_id INTEGER REFERENCES bakes(id) ON DELETE SET NULL,
        state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'done', 'cancelled')),
        ready_at TEXT NOT NULL,                 -- UTC: out of the oven
        starter_pct REAL NOT NULL,
        feed_ratio INTEGER NOT NULL,            -- the starter fed 1 : r : r
        kitchen_temp_c REAL NOT NULL,
        fridge_temp_c REAL NOT NULL,
        target_rise_pct REAL NOT NULL,
        bulk_hours REAL NOT NULL,
        fridge_hours REAL NOT NULL,
        steps TEXT NOT NULL,                    -- JSON [[step, UTC time, seq], ...] (schedules.plan)
        drift_told_at TEXT,                     -- the live estimate's drift was told (once)
        drift_minutes INTEGER,
        created_at TEXT NOT NULL,
        source_key TEXT
    );
    CREATE INDEX plans_by_user ON plans (user_id, state);
    CREATE UNIQUE INDEX plans_active ON plans (user_id) WHERE state = 'active';
    CREATE UNIQUE INDEX plans_by_source ON plans (user_id, source_key) WHERE source_key IS NOT NULL;
    ALTER TABLE reminders ADD COLUMN plan_id INTEGER REFERENCES plans(id) ON DELETE CASCADE;
    CREATE INDEX reminders_by_plan ON reminders (plan_id, state);
    ALTER TABLE users ADD COLUMN fridge_temp_c REAL NOT NULL DEFAULT 4;
    """,
    # 9 (issue 12): the baker's language and formats, a Babel locale ("de", "en_GB"); taken from
    # Telegram's language_code on first contact, changed in /settings.
    """
    ALTER TABLE users ADD COLUMN language TEXT;
    """,
    # 10 (issue 13): replicas on one PostgreSQL. Each update in the inbox names its baker (who
    # sent it, or the chat: the key of the per-baker lock) so a baker's open updates are handled
    # in order by whichever replica holds the lock; a due reminder is claimed by one replica for a
    # while (a lease: taken over once it has expired, when its replica died).
    """
    ALTER TABLE inbox ADD COLUMN user_id INTEGER;
    CREATE INDEX inbox_open_by_user ON inbox (user_id, update_id) WHERE done_at IS NULL;
    ALTER TABLE reminders ADD COLUMN claimed_by TEXT;
    ALTER TABLE reminders ADD COLUMN claim_expires_at TEXT;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
