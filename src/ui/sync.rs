//! The sync engine: one per page, outliving the document view, so a
//! library keeps syncing while documents open and close. It keeps this
//! browser's replica of the project database (in IndexedDB), writes the
//! open document's edits into it, and runs the replication both ways
//! (`core::sync::replicate`) against the server, continuously: after each
//! round it waits on the server's changes feed (longpoll) or a local edit,
//! whichever comes first. The password lives in memory only.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::AbortController;
use yew::Callback;

use crate::core::document::Opened;
use crate::core::persist;
use crate::core::segment::UserDict;
use crate::core::store::Annotations;
use crate::core::sync::mapping::{self, Pull};
use crate::core::sync::protocol::{replication_id, Checkpoint};
use crate::core::sync::replica::Replica;
use crate::core::sync::replicate::{Answer, Direction, Method, Replication, Stats, SyncError};
use crate::core::sync::schema;
use crate::core::sync::settings::{explain, Failure, SyncSettings};
use crate::core::sync::userdict;
use crate::platform::couch::{self, NoAnswer};
use crate::platform::{clock, replica_store, storage};
use crate::ui::library;

/// How long a tab's hold on syncing lasts unless renewed, and how often
/// the tab that syncs renews it (and the others look whether it is gone).
const LEASE_MS: f64 = 15_000.0;
const LEASE_RENEW_MS: u32 = 5_000;
/// How long a tab waits before joining syncing started in another tab.
const JOIN_DELAY_MS: u32 = 1_500;

/// Documents per `_changes` / `_revs_diff` batch: big enough that 5,000
/// annotations are ten rounds, small enough that a dropped connection
/// loses little.
const BATCH: usize = 500;
/// How long the server holds a longpoll open, and how often it sends a
/// heartbeat newline meanwhile (so proxies keep the connection).
const LONGPOLL_MS: u32 = 25_000;
const HEARTBEAT_MS: u32 = 10_000;
/// Waits between attempts while the server cannot be reached: doubling
/// from the first to the last.
const RETRY_FIRST_MS: i32 = 1_000;
const RETRY_LAST_MS: i32 = 30_000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Status {
    #[default]
    Off,
    Connecting,
    Syncing,
    Synced,
    Offline,
    Error,
}

impl Status {
    /// The app root's `data-sync-status`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Off => "off",
            Status::Connecting => "connecting",
            Status::Syncing => "syncing",
            Status::Synced => "synced",
            Status::Offline => "offline",
            Status::Error => "error",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Off => "未同步",
            Status::Connecting => "连接中…",
            Status::Syncing => "同步中…",
            Status::Synced => "已同步",
            Status::Offline => "离线",
            Status::Error => "同步出错",
        }
    }
}

/// What the interface shows of the engine.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncView {
    pub status: Status,
    /// What went wrong, in words, with how to fix it.
    pub message: Option<String>,
    pub settings: SyncSettings,
    /// Started (and not paused): it reconnects by itself.
    pub running: bool,
    pub last_synced: Option<String>,
    /// Documents sent and received since the page opened.
    pub pushed: usize,
    pub pulled: usize,
    /// The open document's annotations' creators, by annotation id.
    pub creators: Rc<HashMap<String, String>>,
}

/// The open document as the engine sees it.
struct OpenDoc {
    sha: String,
    length: usize,
    /// Its `document:` body (title, text, added), once read.
    body: Option<serde_json::Map<String, Value>>,
    /// What was last written to the replica (`None`: nothing yet, so no
    /// deletion is inferred).
    written: Option<Rc<Annotations>>,
    latest: Rc<Annotations>,
    on_pull: Callback<Rc<Pull>>,
}

/// The library's user dictionary as the engine sees it: what was last
/// written to the replica (`None`: nothing yet) and the app's latest.
#[derive(Default)]
struct DictState {
    written: Option<UserDict>,
    latest: UserDict,
}

#[derive(Default)]
struct Engine {
    view: SyncView,
    password: Option<String>,
    /// The replica and the database it is of (`url/database`).
    replica: Option<(String, Replica)>,
    on_view: Option<Callback<Rc<SyncView>>>,
    open: Option<OpenDoc>,
    dict: DictState,
    /// Bumped by start and pause: a loop of an older run stops.
    run: u32,
    /// Local edits since the loop last pushed.
    changed: bool,
    /// The request or wait to cut short when there is something to push.
    longpoll: Option<AbortController>,
    wake: Option<js_sys::Function>,
    saving: bool,
    /// The remote checkpoints the last runs left, push and pull (forgotten
    /// after any failure, so the next run reads them again).
    remote: HashMap<bool, (Checkpoint, Option<String>)>,
    /// This tab holds the lease (see `hold_lease`) and renews it.
    renewal: Option<gloo::timers::callback::Interval>,
}

thread_local! {
    static ENGINE: RefCell<Engine> = RefCell::new(Engine {
        view: SyncView {
            settings: stored_settings(),
            ..SyncView::default()
        },
        ..Engine::default()
    });
}

fn settings_key() -> String {
    persist::library_setting_key("sync")
}

fn running_key() -> String {
    persist::library_setting_key("sync-running")
}

fn stored_settings() -> SyncSettings {
    storage::get(&settings_key())
        .ok()
        .flatten()
        .and_then(|raw| serde_json::from_str(&raw).ok())
        .unwrap_or_default()
}

/// This browser's replica id, made once.
fn replica_id() -> String {
    let key = persist::library_setting_key("sync-replica");
    if let Ok(Some(id)) = storage::get(&key) {
        return id;
    }
    let id = clock::new_uuid();
    let _ = storage::set(&key, &id);
    id
}

/// The tabs of one browser share the replica in IndexedDB, so one of them
/// syncs at a time: it holds a lease in localStorage (with its status, for
/// the others to show), renewed while it runs. The other tabs' edits reach
/// it through localStorage like any change between tabs.
#[derive(Serialize, Deserialize)]
struct Lease {
    tab: String,
    until: f64,
    status: String,
}

thread_local! {
    static TAB: String = clock::new_uuid();
}

fn lease_key() -> String {
    persist::library_setting_key("sync-lease")
}

fn read_lease() -> Option<Lease> {
    storage::get(&lease_key())
        .ok()
        .flatten()
        .and_then(|raw| serde_json::from_str(&raw).ok())
}

/// Takes or renews the lease; whether this tab holds it.
fn hold_lease() -> bool {
    let now = js_sys::Date::now();
    let tab = TAB.with(Clone::clone);
    if read_lease().is_some_and(|l| l.tab != tab && l.until > now) {
        return false;
    }
    let lease = Lease {
        tab: tab.clone(),
        until: now + LEASE_MS,
        status: view().status.name().to_string(),
    };
    let _ = storage::set(
        &lease_key(),
        &serde_json::to_string(&lease).unwrap_or_default(),
    );
    // Two tabs that wrote at once: the value that stayed decides.
    read_lease().is_some_and(|l| l.tab == tab)
}

/// Lets another tab take over at once (on pause, or when the page goes).
fn release_lease() {
    with(|e| e.renewal = None);
    let tab = TAB.with(Clone::clone);
    if read_lease().is_some_and(|l| l.tab == tab) {
        let _ = storage::remove(&lease_key());
    }
}

/// The status the syncing tab last wrote, as shown here meanwhile.
fn other_tab_status() -> Status {
    let name = read_lease().map(|l| l.status).unwrap_or_default();
    [
        Status::Connecting,
        Status::Syncing,
        Status::Synced,
        Status::Offline,
        Status::Error,
    ]
    .into_iter()
    .find(|s| s.name() == name)
    .unwrap_or(Status::Off)
}

/// Waits until this tab may sync (another tab of this browser may be
/// syncing); false when the run ended meanwhile.
async fn take_turn(run: u32) -> bool {
    let mut waited = false;
    while !hold_lease() {
        if current(run).is_err() {
            return false;
        }
        if storage::get(&running_key()).ok().flatten().is_none() {
            // Paused in the tab that was syncing.
            publish(|v| {
                v.running = false;
                v.status = Status::Off;
                v.message = None;
            });
            return false;
        }
        waited = true;
        publish(|v| {
            v.status = other_tab_status();
            v.message = Some(
                "本浏览器的另一个标签页正在同步；这里的修改经由它同步，它关闭后由这里接着同步。"
                    .into(),
            );
        });
        wait(LEASE_RENEW_MS as i32).await;
    }
    if waited {
        // The other tab changed the replica: read it again.
        with(|e| e.replica = None);
    }
    let renewal = gloo::timers::callback::Interval::new(LEASE_RENEW_MS, move || {
        if with(|e| e.run) == run && !hold_lease() {
            // Another tab took over (this one stalled): it syncs now, and
            // this one waits for its turn again.
            with(|e| {
                e.replica = None;
                e.run += 1;
            });
            wake();
            wasm_bindgen_futures::spawn_local(run_loop(run + 1));
        }
    });
    with(|e| e.renewal = Some(renewal));
    true
}

fn with<T>(f: impl FnOnce(&mut Engine) -> T) -> T {
    ENGINE.with(|e| f(&mut e.borrow_mut()))
}

/// Tells the interface what changed.
fn publish(change: impl FnOnce(&mut SyncView)) {
    let (view, listener) = with(|e| {
        change(&mut e.view);
        (Rc::new(e.view.clone()), e.on_view.clone())
    });
    if let Some(l) = listener {
        l.emit(view);
    }
}

pub fn view() -> SyncView {
    with(|e| e.view.clone())
}

/// The app's view registers here for the engine's news.
pub fn listen(on_view: Callback<Rc<SyncView>>) {
    with(|e| e.on_view = Some(on_view));
}

/// The document `sha` is open with `annotations` (read from storage): its
/// edits are written to the replica from now on, and the replica's
/// versions of its annotations come back through `on_pull`.
pub fn open_document(
    sha: &str,
    length: usize,
    annotations: Rc<Annotations>,
    on_pull: Callback<Rc<Pull>>,
) {
    with(|e| {
        e.open = Some(OpenDoc {
            sha: sha.to_string(),
            length,
            body: None,
            written: None,
            latest: annotations,
            on_pull,
        })
    });
    take_in_open_document();
}

/// The open document's text, read from the library: it goes to the
/// database as `document:<sha>` for teammates who lack it.
pub fn document_read(sha: &str, body: serde_json::Map<String, Value>) {
    let wrote = with(|e| {
        let Some(open) = e.open.as_mut().filter(|o| o.sha == sha) else {
            return false;
        };
        open.body = Some(body);
        write_local(e)
    });
    if wrote {
        after_local_write();
    }
}

pub fn close_document(sha: &str) {
    with(|e| {
        if e.open.as_ref().is_some_and(|o| o.sha == sha) {
            e.open = None;
        }
    });
}

/// The open document's annotations changed (an edit, an undo, a pull
/// taken in): what is new is written to the replica, and the loop wakes
/// to push it.
pub fn local_change(sha: &str, annotations: Rc<Annotations>) {
    let wrote = with(|e| {
        let Some(open) = e.open.as_mut().filter(|o| o.sha == sha) else {
            return false;
        };
        open.latest = annotations;
        write_local(e)
    });
    if wrote {
        after_local_write();
    }
}

/// The user dictionary changed (an edit, or a pull taken in): what is new
/// goes to the replica, as `local_change` does for annotations.
pub fn local_dict(dict: UserDict) {
    let wrote = with(|e| {
        e.dict.latest = dict;
        write_local(e)
    });
    if wrote {
        after_local_write();
    }
}

/// Writes the open document's and the dictionary's changes into the
/// replica; whether anything was written.
fn write_local(e: &mut Engine) -> bool {
    let document = write_open(e);
    let dict = write_dict(e);
    document || dict
}

fn write_dict(e: &mut Engine) -> bool {
    // Most calls come with an annotation edit and an unchanged dictionary.
    if e.dict.written.as_ref() == Some(&e.dict.latest) {
        return false;
    }
    let Some((_, replica)) = e.replica.as_mut() else {
        return false;
    };
    let writes = userdict::writes(
        replica,
        e.dict.written.as_ref(),
        &e.dict.latest,
        &clock::now_rfc3339(),
        &e.view.settings.name,
    );
    e.dict.written = Some(e.dict.latest.clone());
    if writes.is_empty() {
        return false;
    }
    mapping::apply(replica, writes);
    e.changed = true;
    true
}

fn write_open(e: &mut Engine) -> bool {
    let me = e.view.settings.name.clone();
    let (Some(open), Some((_, replica))) = (e.open.as_mut(), e.replica.as_mut()) else {
        return false;
    };
    let mut writes = mapping::annotation_writes(
        replica,
        &open.sha,
        open.written.as_deref(),
        &open.latest,
        &me,
    );
    writes.extend(mapping::tag_writes(replica, &open.latest.tags));
    let document = format!("document:{}", open.sha);
    if let Some(body) = open
        .body
        .as_ref()
        .filter(|_| replica.doc(&document).is_none())
    {
        let mut body = body.clone();
        body.insert("by".into(), json!(me));
        writes.push((document, Some(body)));
    }
    open.written = Some(open.latest.clone());
    if writes.is_empty() {
        return false;
    }
    mapping::apply(replica, writes);
    e.changed = true;
    true
}

fn after_local_write() {
    wake();
    save_replica();
    refresh_creators();
}

/// Cuts the loop's wait short.
fn wake() {
    let (longpoll, waker) = with(|e| (e.longpoll.take(), e.wake.take()));
    if let Some(c) = longpoll {
        c.abort();
    }
    if let Some(w) = waker {
        let _ = w.call0(&wasm_bindgen::JsValue::NULL);
    }
}

/// Once the replica is here: the open document's local state goes in and
/// the replica's versions of its annotations come out.
fn take_in_open_document() {
    let pull = with(|e| {
        write_local(e);
        let (Some(open), Some((_, replica))) = (&e.open, &e.replica) else {
            return None;
        };
        let pull = mapping::pulled(replica, &open.sha, 0, open.length);
        Some((pull, open.on_pull.clone()))
    });
    if let Some((pull, on_pull)) = pull {
        if !pull.is_empty() {
            on_pull.emit(Rc::new(pull));
        }
        after_local_write();
    }
}

/// Recomputes who made what once the current work is done (it reads
/// every document; the request or the render waiting goes first).
fn refresh_creators() {
    gloo::timers::callback::Timeout::new(0, refresh_creators_now).forget();
}

fn refresh_creators_now() {
    let creators = with(|e| {
        let (Some(open), Some((_, replica))) = (&e.open, &e.replica) else {
            return None;
        };
        Some(Rc::new(mapping::creators(replica, &open.sha)))
    });
    if let Some(c) = creators {
        if *c != *view().creators {
            publish(|v| v.creators = c);
        }
    }
}

/// Stores what changed in the replica (one save at a time; changes made
/// meanwhile go in the next).
fn save_replica() {
    if with(|e| std::mem::replace(&mut e.saving, true)) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        loop {
            let next = with(|e| {
                let (database, replica) = e.replica.as_mut()?;
                let (docs, meta) = replica.take_dirty();
                (!docs.is_empty()).then(|| (database.clone(), docs, meta))
            });
            let Some((database, docs, meta)) = next else {
                break;
            };
            if let Err(err) = replica_store::save(&database, docs, meta).await {
                publish(|v| {
                    v.message = Some(format!(
                        "同步副本没能存入浏览器（{err}）：标注本身已保存，重新打开页面后会再次同步。"
                    ))
                });
                break;
            }
        }
        with(|e| e.saving = false);
    });
}

/// Starts syncing with `settings` (checked) and, when given, `password`
/// for a new session. The settings are kept; the password is not.
pub fn start(settings: SyncSettings, password: Option<String>) {
    let _ = storage::set(
        &settings_key(),
        &serde_json::to_string(&settings).unwrap_or_default(),
    );
    let _ = storage::set(&running_key(), "1");
    let run = with(|e| {
        e.remote.clear();
        if e.replica
            .as_ref()
            .is_some_and(|(d, _)| *d != database_key(&settings))
        {
            e.replica = None;
        }
        e.password = password.filter(|p| !p.is_empty());
        e.run += 1;
        e.run
    });
    wake();
    publish(|v| {
        v.settings = settings;
        v.running = true;
        v.status = Status::Connecting;
        v.message = None;
    });
    wasm_bindgen_futures::spawn_local(run_loop(run));
}

pub fn pause() {
    let _ = storage::remove(&running_key());
    with(|e| e.run += 1);
    release_lease();
    wake();
    publish(|v| {
        v.running = false;
        v.status = Status::Off;
        v.message = None;
    });
}

/// After a reload: syncing again if it was on (with the session cookie;
/// when that has expired, the panel asks for the password).
pub fn resume() {
    let was_running = storage::get(&running_key()).ok().flatten().is_some();
    // Another tab may have changed them.
    let settings = stored_settings();
    publish(|v| v.settings = settings.clone());
    if was_running && !view().running {
        if let Ok(s) = settings.checked() {
            start(s, None);
        }
    }
}

fn database_key(s: &SyncSettings) -> String {
    format!("{}/{}", s.url, s.database)
}

/// The database's URL: its name escaped (`/` is allowed in CouchDB names).
fn database_url(s: &SyncSettings) -> String {
    let name: String = s
        .database
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("{}/{name}", s.url)
}

/// Why a run stopped.
enum Stop {
    /// Paused, or started again with other settings.
    Superseded,
    Failed(Failure),
}

impl From<Failure> for Stop {
    fn from(f: Failure) -> Stop {
        Stop::Failed(f)
    }
}

fn no_answer(n: NoAnswer) -> Stop {
    match n {
        NoAnswer::Unreachable => Stop::Failed(Failure::Unreachable),
        NoAnswer::Cors => Stop::Failed(Failure::Cors),
        NoAnswer::Aborted => Stop::Superseded,
    }
}

fn current(run: u32) -> Result<(), Stop> {
    if with(|e| e.run) == run {
        Ok(())
    } else {
        Err(Stop::Superseded)
    }
}

async fn run_loop(run: u32) {
    if !take_turn(run).await {
        return;
    }
    let mut connected = false;
    let mut retry = RETRY_FIRST_MS;
    loop {
        let failure = match session(run, &mut connected).await {
            Err(Stop::Failed(f)) => f,
            Err(Stop::Superseded) | Ok(()) => return,
        };
        with(|e| e.remote.clear());
        if current(run).is_err() {
            return;
        }
        let settings = view().settings;
        let origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        let message = explain(&failure, &settings, &origin);
        // Offline after a connection: retry until the server is back. A
        // server error may pass too. Anything else needs the person.
        // A session that expired (or a server restarted) while connected
        // is opened again with the password kept in memory.
        let retrying = match &failure {
            Failure::Unreachable => connected,
            Failure::Sync(SyncError::Server(..) | SyncError::Protocol(_)) => true,
            Failure::Sync(SyncError::Unauthorized) => connected && with(|e| e.password.is_some()),
            _ => false,
        };
        let status = if matches!(failure, Failure::Unreachable) && connected {
            Status::Offline
        } else {
            Status::Error
        };
        publish(|v| {
            v.status = status;
            v.message = Some(message);
        });
        if !retrying {
            with(|e| e.run += 1);
            release_lease();
            let _ = storage::remove(&running_key());
            publish(|v| v.running = false);
            return;
        }
        wait(retry).await;
        retry = (retry * 2).min(RETRY_LAST_MS);
        if current(run).is_err() {
            return;
        }
    }
}

/// A request to the server, `path` relative to it.
async fn call(
    settings: &SyncSettings,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Result<Answer, Stop> {
    let url = format!("{}/{path}", settings.url);
    let body = body.map(|b| b.to_string());
    couch::send(&settings.url, &url, method, body.as_deref(), None)
        .await
        .map_err(no_answer)
}

/// Logs in (with the password, when given) or checks the cookie session.
async fn log_in(settings: &SyncSettings) -> Result<(), Stop> {
    let password = with(|e| e.password.clone());
    let answer = match password {
        Some(p) => {
            call(
                settings,
                Method::Post,
                "_session",
                Some(json!({"name": settings.user, "password": p})),
            )
            .await?
        }
        None => call(settings, Method::Get, "_session", None).await?,
    };
    if answer.status == 401 {
        return Err(Failure::Sync(SyncError::Unauthorized).into());
    }
    if !(200..300).contains(&answer.status) {
        return Err(Failure::Sync(SyncError::Server(answer.status, answer.body)).into());
    }
    let v: Value = serde_json::from_str(&answer.body).unwrap_or_default();
    let ctx = if v.get("userCtx").is_some() {
        &v["userCtx"]
    } else {
        &v
    };
    // No admin at all ("admin party") makes everyone an admin.
    let admin = ctx["roles"]
        .as_array()
        .is_some_and(|r| r.iter().any(|x| x == "_admin"));
    if ctx["name"].is_null() && !admin {
        return Err(Failure::Sync(SyncError::Unauthorized).into());
    }
    Ok(())
}

/// Makes sure the database is there, creating it when allowed.
async fn ensure_database(settings: &SyncSettings) -> Result<(), Stop> {
    let db = database_url(settings);
    let name = db
        .trim_start_matches(&format!("{}/", settings.url))
        .to_string();
    let answer = call(settings, Method::Get, &name, None).await?;
    match answer.status {
        200 => Ok(()),
        401 => Err(Failure::Sync(SyncError::Unauthorized).into()),
        403 => Err(Failure::Sync(SyncError::Forbidden).into()),
        404 => {
            let made = call(settings, Method::Put, &name, None).await?;
            match made.status {
                201 | 202 | 412 => Ok(()),
                401 | 403 => Err(Failure::CannotCreate.into()),
                s => Err(Failure::Sync(SyncError::Server(s, made.body)).into()),
            }
        }
        s => Err(Failure::Sync(SyncError::Server(s, answer.body)).into()),
    }
}

/// The replica of the configured database, read from IndexedDB once.
async fn load_replica(settings: &SyncSettings) {
    let key = database_key(settings);
    if with(|e| e.replica.as_ref().is_some_and(|(d, _)| *d == key)) {
        return;
    }
    let (replica, problem) = match replica_store::load(&key).await {
        Ok((r, damaged)) if damaged.is_empty() => (r, None),
        Ok((r, damaged)) => (
            r,
            Some(format!(
                "同步副本中有 {} 个文档无法读取，将从服务器重新取回。",
                damaged.len()
            )),
        ),
        Err(e) => (
            Replica::default(),
            Some(format!("没能读出同步副本（{e}），将从服务器重新取回。")),
        ),
    };
    // What was written went to another database's replica (or none): the
    // first write to this one compares with what it holds.
    with(|e| {
        e.replica = Some((key, replica));
        e.dict.written = None;
        if let Some(open) = e.open.as_mut() {
            open.written = None;
        }
    });
    if let Some(p) = problem {
        publish(|v| v.message = Some(p));
    }
    take_in_open_document();
}

/// One connection: log in, then replicate both ways for as long as it
/// lasts.
async fn session(run: u32, connected: &mut bool) -> Result<(), Stop> {
    let settings = view().settings;
    // Edits made offline go into the replica even before the server answers.
    load_replica(&settings).await;
    current(run)?;
    if !*connected {
        publish(|v| v.status = Status::Connecting);
    }
    log_in(&settings).await?;
    current(run)?;
    ensure_database(&settings).await?;
    *connected = true;
    // Woken by the server's changes feed, pull first: the change reaches
    // the person before this replica's own round of pushing.
    let mut pull_first = false;
    loop {
        current(run)?;
        with(|e| e.changed = false);
        publish(|v| {
            v.status = Status::Syncing;
            v.message = None;
        });
        let mut pushed = Stats::default();
        let mut pulled = Stats::default();
        let order = if pull_first {
            [Direction::Pull, Direction::Push]
        } else {
            [Direction::Push, Direction::Pull]
        };
        for direction in order {
            if direction == Direction::Push {
                if unpushed(&settings) {
                    pushed = replicate(run, &settings, direction, &mut 0).await?;
                }
            } else {
                let mut since = with(|e| e.replica.as_ref().map_or(0, |(_, r)| r.update_seq()));
                pulled = replicate(run, &settings, direction, &mut since).await?;
                take_in_pull(since);
            }
        }
        publish(|v| {
            v.pushed += pushed.docs_written;
            v.pulled += pulled.docs_written;
        });
        if with(|e| e.changed) {
            pull_first = false;
            continue;
        }
        publish(|v| {
            v.status = Status::Synced;
            v.last_synced = Some(clock::now_rfc3339());
        });
        pull_first = longpoll(&settings, &pulled.last_seq).await?;
    }
}

/// Replicates one way until caught up. A pull's first batch reaches the
/// open document at once (the steady state is one small batch); a long
/// pull shows the rest when it ends.
async fn replicate(
    run: u32,
    settings: &SyncSettings,
    direction: Direction,
    since: &mut u64,
) -> Result<Stats, Stop> {
    let push = direction == Direction::Push;
    let id = replication_id(&replica_id(), &settings.url, &settings.database, push);
    let mut replication = Replication::new(direction, &id, &clock::new_uuid(), BATCH);
    if let Some((checkpoint, rev)) = with(|e| e.remote.remove(&push)) {
        replication = replication.with_remote(checkpoint, rev);
    }
    let db = database_url(settings);
    let mut answer = None;
    let mut shown_first = false;
    loop {
        current(run)?;
        let next = with(|e| {
            let (_, replica) = e.replica.as_mut().expect("loaded before replicating");
            replication.step(replica, answer.take())
        })
        .map_err(|e| Stop::Failed(Failure::Sync(e)))?;
        let Some(request) = next else {
            break;
        };
        let received = !push && request.method == Method::Put;
        if received && !shown_first {
            shown_first = true;
            take_in_pull(*since);
            *since = with(|e| e.replica.as_ref().map_or(0, |(_, r)| r.update_seq()));
        }
        let url = format!("{db}/{}", request.path);
        let body = request.body.map(|b| b.to_string());
        answer = Some(
            couch::send(&settings.url, &url, request.method, body.as_deref(), None)
                .await
                .map_err(no_answer)?,
        );
        save_replica();
    }
    if let Some(remote) = replication.remote() {
        with(|e| e.remote.insert(push, remote));
    }
    Ok(replication.stats().clone())
}

/// Whether this replica has changes the last push did not send.
fn unpushed(settings: &SyncSettings) -> bool {
    let id = replication_id(&replica_id(), &settings.url, &settings.database, true);
    with(|e| {
        e.replica.as_ref().is_some_and(|(_, r)| {
            let sent = r
                .checkpoint(&id)
                .and_then(|c| c.source_last_seq.as_u64())
                .unwrap_or(0);
            r.update_seq() > sent
        })
    })
}

/// What a pull brought: conflicts resolved the same way as on every
/// replica (their resolution is pushed next round), and the open
/// document's changes given to the app.
fn take_in_pull(since: u64) {
    let delivery = with(|e| {
        let (_, replica) = e.replica.as_mut()?;
        let changed: Vec<String> = replica
            .changes_since(since, usize::MAX)
            .into_iter()
            .map(|c| c.id)
            .collect();
        for id in &changed {
            if replica.resolve(id, schema::resolve) {
                e.changed = true;
            }
        }
        let documents: Vec<(String, serde_json::Map<String, Value>)> = changed
            .iter()
            .filter_map(|id| match schema::kind(id) {
                Some(schema::Kind::Document(sha)) => {
                    Some((sha.to_string(), mapping::shown(replica, id)?.0))
                }
                _ => None,
            })
            .collect();
        if !documents.is_empty() {
            wasm_bindgen_futures::spawn_local(add_documents(documents));
        }
        let open = e.open.as_ref()?;
        let pull = mapping::pulled(replica, &open.sha, since, open.length);
        (!pull.is_empty()).then(|| (pull, open.on_pull.clone()))
    });
    if let Some((pull, on_pull)) = delivery {
        if !pull.refused.is_empty() {
            let names: Vec<String> = pull
                .refused
                .iter()
                .map(|(id, why)| format!("{id}（{why}）"))
                .collect();
            publish(|v| {
                v.message = Some(format!(
                    "服务器上有 {} 项无法读入，保留在同步副本中未显示：{}",
                    names.len(),
                    names.join("；")
                ))
            });
        }
        on_pull.emit(Rc::new(pull));
    }
    refresh_creators();
    save_replica();
}

/// Adds the documents teammates added that this library lacks (one
/// moved to the trash here stays there).
async fn add_documents(documents: Vec<(String, serde_json::Map<String, Value>)>) {
    let known: std::collections::HashSet<String> = library::load_entries()
        .0
        .into_iter()
        .map(|e| e.sha256)
        .collect();
    let mut added = Vec::new();
    let mut refused = Vec::new();
    for (sha, body) in documents {
        if known.contains(&sha) {
            continue;
        }
        let result = match schema::document_from_doc(&sha, &body) {
            Ok((document, title)) => {
                let opened = Opened {
                    document,
                    title_hint: title.clone(),
                    encoding: None,
                };
                library::add(&opened).await.map(|_| title)
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(title) => added.push(format!("《{title}》")),
            Err(e) => refused.push(e),
        }
    }
    if added.is_empty() && refused.is_empty() {
        return;
    }
    let mut message = Vec::new();
    if !added.is_empty() {
        message.push(format!(
            "团队数据库中有 {} 篇新文档，已加入文库（L）：{}。",
            added.len(),
            added.join("、")
        ));
    }
    if !refused.is_empty() {
        message.push(format!(
            "{} 篇文档无法读入：{}",
            refused.len(),
            refused.join("；")
        ));
    }
    publish(|v| v.message = Some(message.join(" ")));
}

/// Waits for a change on the server after `since` (true), or a local
/// edit (false).
async fn longpoll(settings: &SyncSettings, since: &Value) -> Result<bool, Stop> {
    let Ok(controller) = AbortController::new() else {
        wait(LONGPOLL_MS as i32).await;
        return Ok(true);
    };
    let signal = controller.signal();
    with(|e| e.longpoll = Some(controller));
    let since = match since {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let url = format!(
        "{}/_changes?feed=longpoll&since={}&timeout={LONGPOLL_MS}&heartbeat={HEARTBEAT_MS}&limit=1",
        database_url(settings),
        js_sys::encode_uri_component(&since)
    );
    let answer = couch::send(&settings.url, &url, Method::Get, None, Some(&signal)).await;
    with(|e| e.longpoll = None);
    match answer {
        Ok(a) if a.status == 401 => Err(Failure::Sync(SyncError::Unauthorized).into()),
        Ok(_) => Ok(true),
        Err(NoAnswer::Aborted) => Ok(false),
        Err(n) => Err(no_answer(n)),
    }
}

/// Waits `ms`, or less when `wake` is called (a local edit, the browser
/// coming online).
async fn wait(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
        with(|e| e.wake = Some(resolve));
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Coming back online retries at once instead of at the next wait's end;
/// a page that goes lets another tab sync at once; syncing started in
/// another tab starts here too.
pub fn watch_online() {
    if let Some(w) = web_sys::window() {
        let on_online = Closure::<dyn Fn()>::new(wake);
        let _ = w.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
        on_online.forget();
        let on_hide = Closure::<dyn Fn()>::new(release_lease);
        let _ = w.add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
        on_hide.forget();
    }
    // Syncing started in another tab: this one joins (and waits its turn).
    // It waits a moment first, so the tab where the person pressed start
    // (which has the password) takes the lease first.
    let join = |_| {
        wasm_bindgen_futures::spawn_local(async {
            gloo_timers::future::TimeoutFuture::new(JOIN_DELAY_MS).await;
            resume();
        })
    };
    if let Some(listener) = storage::watch(vec![running_key()], join) {
        listener.forget();
    }
}

/// The other versions of annotation `id` the replica keeps (earlier
/// edits, conflicts' losers), newest first.
pub fn history(id: &str) -> Vec<mapping::Version> {
    with(|e| {
        e.replica
            .as_ref()
            .map(|(_, r)| mapping::history(r, id))
            .unwrap_or_default()
    })
}
