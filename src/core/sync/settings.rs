//! What the sync panel asks for (server, database, user, display name),
//! checked before anything is sent, and what each way of failing means in
//! words, with how to fix it. The password is not here: it is sent once
//! to `_session` and never stored.

use serde::{Deserialize, Serialize};

use super::replicate::SyncError;

/// What is kept between visits (no password).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncSettings {
    /// The server's URL, e.g. `https://couch.example.org` (no database).
    pub url: String,
    pub database: String,
    pub user: String,
    /// The annotator's name as others see it.
    pub name: String,
}

/// A checked server URL: `http(s)://host[:port][/path]`, without a
/// trailing slash.
pub fn check_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("服务器地址应以 http:// 或 https:// 开头，例如 https://couch.example.org")?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || host.contains(char::is_whitespace) || host.contains('@') {
        return Err("服务器地址里缺少主机名，或含有空格、@（用户名和密码请填在下面的栏里）".into());
    }
    Ok(url.to_string())
}

/// CouchDB's rule for database names: a lowercase letter first, then
/// lowercase letters, digits and `_ $ ( ) + - /`, at most 238 characters.
pub fn check_database(name: &str) -> Result<String, String> {
    let name = name.trim();
    let ok = name.len() <= 238
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_$()+-/".contains(c));
    if ok {
        Ok(name.to_string())
    } else {
        Err(format!(
            "数据库名「{name}」不合 CouchDB 的规则：须以小写字母开头，只含小写字母、数字和 _ $ ( ) + - /，例如 team_news_2026"
        ))
    }
}

impl SyncSettings {
    /// The settings with URL and database checked, every problem listed.
    pub fn checked(&self) -> Result<SyncSettings, Vec<String>> {
        let mut problems = Vec::new();
        let url = check_url(&self.url).map_err(|e| problems.push(e)).ok();
        let database = check_database(&self.database)
            .map_err(|e| problems.push(e))
            .ok();
        if self.user.trim().is_empty() {
            problems.push("请填写 CouchDB 的用户名".into());
        }
        if self.name.trim().is_empty() {
            problems.push("请填写你的显示名（别人看到的标注者名字）".into());
        }
        match (url, database, problems.is_empty()) {
            (Some(url), Some(database), true) => Ok(SyncSettings {
                url,
                database,
                user: self.user.trim().to_string(),
                name: self.name.trim().to_string(),
            }),
            _ => Err(problems),
        }
    }
}

/// Why the server could not be used, as the browser can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No answer at all (a `no-cors` probe fails too): offline, a wrong
    /// address, or the server is down.
    Unreachable,
    /// The server answers, but not to this page: CORS is not enabled.
    Cors,
    /// The database is missing and this user may not create it.
    CannotCreate,
    Sync(SyncError),
}

/// What the panel says, with how to fix it.
pub fn explain(f: &Failure, settings: &SyncSettings, origin: &str) -> String {
    match f {
        Failure::Unreachable => format!(
            "连不上 {}：可能是网络断开、地址写错或服务器没有运行。联网后会自动重试；本地的修改都已保存，不会丢失。",
            settings.url
        ),
        Failure::Cors => format!(
            "服务器 {} 有回应，但没有允许本页面（{origin}）访问：请在 CouchDB 中开启 CORS（[chttpd] enable_cors = true；[cors] origins = {origin}，credentials = true），详见 README。",
            settings.url
        ),
        Failure::CannotCreate => format!(
            "数据库「{}」不存在，且用户「{}」无权创建：请管理员先创建它，并把该用户加入数据库的 members。",
            settings.database, settings.user
        ),
        Failure::Sync(SyncError::Unauthorized) => {
            format!("用户名「{}」或密码不对（也可能是登录已过期）：请重新输入密码。", settings.user)
        }
        Failure::Sync(SyncError::Forbidden) => format!(
            "用户「{}」没有读写数据库「{}」的权限：请管理员在数据库的安全设置（_security）中把它加入 members。",
            settings.user, settings.database
        ),
        Failure::Sync(SyncError::MissingDatabase) => {
            format!("数据库「{}」不存在。", settings.database)
        }
        Failure::Sync(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str, database: &str) -> SyncSettings {
        SyncSettings {
            url: url.into(),
            database: database.into(),
            user: "anna".into(),
            name: "安娜".into(),
        }
    }

    #[test]
    fn urls_and_database_names_are_checked() {
        assert_eq!(
            check_url(" https://couch.example.org/ ").unwrap(),
            "https://couch.example.org"
        );
        assert_eq!(
            check_url("http://127.0.0.1:5984").unwrap(),
            "http://127.0.0.1:5984"
        );
        assert!(check_url("couch.example.org").is_err());
        assert!(check_url("https://anna:secret@couch.example.org").is_err());
        assert!(check_url("https://").is_err());
        assert_eq!(check_database("team_news-2026").unwrap(), "team_news-2026");
        for bad in ["", "Team", "1team", "团队", "team news"] {
            assert!(check_database(bad).is_err(), "{bad}");
        }
        let problems = SyncSettings::default().checked().unwrap_err();
        assert_eq!(problems.len(), 4);
        assert!(settings("http://127.0.0.1:5984/", "proj").checked().is_ok());
    }

    #[test]
    fn every_failure_says_what_to_do() {
        let s = settings("http://127.0.0.1:5984", "proj");
        let origin = "http://127.0.0.1:8080";
        assert!(explain(&Failure::Cors, &s, origin).contains("enable_cors"));
        assert!(explain(&Failure::Unreachable, &s, origin).contains("不会丢失"));
        assert!(explain(&Failure::CannotCreate, &s, origin).contains("members"));
        assert!(explain(&Failure::Sync(SyncError::Unauthorized), &s, origin).contains("密码"));
        assert!(explain(&Failure::Sync(SyncError::Forbidden), &s, origin).contains("_security"));
    }
}
