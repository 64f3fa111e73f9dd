//! The sync panel: server, database, user, password (sent once to
//! `_session`, never stored) and the annotator's display name; start and
//! pause; what is happening and, when something went wrong, why and how
//! to fix it.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::core::sync::settings::SyncSettings;
use crate::platform::clock;
use crate::ui::state::Action;
use crate::ui::sync::{self, Status, SyncView};

#[derive(Properties, PartialEq)]
pub struct SyncPanelProps {
    pub view: Rc<SyncView>,
    pub on_action: Callback<Action>,
}

#[component]
pub fn SyncPanel(props: &SyncPanelProps) -> Html {
    let view = &props.view;
    let url = use_node_ref();
    let database = use_node_ref();
    let user = use_node_ref();
    let password = use_node_ref();
    let name = use_node_ref();
    let problems = use_state(Vec::<String>::new);
    let read = |r: &NodeRef| {
        r.cast::<HtmlInputElement>()
            .map(|i| i.value())
            .unwrap_or_default()
    };
    let start = {
        let refs = (
            url.clone(),
            database.clone(),
            user.clone(),
            password.clone(),
            name.clone(),
        );
        let problems = problems.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (url, database, user, password, name) = &refs;
            let typed = SyncSettings {
                url: read(url),
                database: read(database),
                user: read(user),
                name: read(name),
            };
            match typed.checked() {
                Ok(s) => {
                    problems.set(Vec::new());
                    let pw = read(password);
                    // The password leaves the form at once.
                    if let Some(i) = password.cast::<HtmlInputElement>() {
                        i.set_value("");
                    }
                    sync::start(s, Some(pw));
                }
                Err(list) => problems.set(list),
            }
        })
    };
    let pause = Callback::from(|_: MouseEvent| sync::pause());
    let close = {
        let on_action = props.on_action.clone();
        Callback::from(move |_| on_action.emit(Action::ToggleSync))
    };
    let s = &view.settings;
    let status = view.status;
    html! {
        <div class="overlay" role="dialog" aria-label="团队同步" data-dialog="sync">
            <div class="dialog sync">
                <header>
                    <h2>{ "团队同步" }</h2>
                    <span class={classes!("sync-pill", status.name())}>{ status.label() }</span>
                    <button type="button" class="tool" onclick={close}>{ "关闭" }<kbd>{ "Esc" }</kbd></button>
                </header>
                <p class="hint">{ "通过 CouchDB（或兼容的服务器）与团队同步本文库：离线时照常标注，联网后自动互相同步。每个项目用一个数据库；设置方法见 README。" }</p>
                <form class="sync-form" onsubmit={start}>
                    <label>{ "服务器地址" }
                        <input ref={url} data-sync="url" type="url" placeholder="https://couch.example.org" value={s.url.clone()} autocomplete="url" />
                    </label>
                    <label>{ "数据库" }
                        <input ref={database} data-sync="database" placeholder="team_news_2026" value={s.database.clone()} />
                    </label>
                    <label>{ "用户名" }
                        <input ref={user} data-sync="user" value={s.user.clone()} autocomplete="username" />
                    </label>
                    <label>{ "密码" }<span class="hint">{ "（只用于登录，不保存）" }</span>
                        <input ref={password} data-sync="password" type="password" autocomplete="current-password" />
                    </label>
                    <label>{ "显示名" }<span class="hint">{ "（别人看到的标注者）" }</span>
                        <input ref={name} data-sync="name" placeholder="王小明" value={s.name.clone()} />
                    </label>
                    if !problems.is_empty() {
                        <ul class="sync-problems" role="alert" data-sync-problems="">
                            { for problems.iter().map(|p| html! { <li>{ p.clone() }</li> }) }
                        </ul>
                    }
                    <div class="sync-actions">
                        <button type="submit" class="primary" data-action="sync-start">
                            { if view.running { "重新连接" } else { "开始同步" } }
                        </button>
                        if view.running {
                            <button type="button" class="tool" data-action="sync-pause" onclick={pause}>{ "暂停" }</button>
                        }
                    </div>
                </form>
                if let Some(m) = &view.message {
                    <p class={classes!("sync-message", (status == Status::Error).then_some("error"))} role="alert" data-sync-message="">{ m.clone() }</p>
                }
                <p class="hint" data-sync-counts="">
                    { format!("本次已发送 {} 项，已接收 {} 项", view.pushed, view.pulled) }
                    if let Some(t) = &view.last_synced {
                        { format!("；上次同步 {}", clock::local_time(t)) }
                    }
                </p>
            </div>
        </div>
    }
}
