use yew::prelude::*;

use crate::ui::state::Action;

#[derive(Properties, PartialEq)]
pub struct HelpOverlayProps {
    pub on_action: Callback<Action>,
}

/// Every keyboard shortcut, opened with `?`.
pub const SHORTCUTS: &[(&str, &str)] = &[
    (
        "选中文字",
        "打开标注框（自动扩展到整词；按住 Alt 保留原样）",
    ),
    ("Shift + ←/→", "在选区内按字调整，松开后扩展到整词"),
    (
        "S",
        "不用鼠标选词：从当前标注或屏幕上第一段开始，→/← 增减结尾一词，Shift + ←/→ 增减开头一词，↓/↑ 换段，Enter 标注",
    ),
    ("Enter", "在标注框中保存"),
    ("1 – 9", "在标注框中直接选用第 n 个标签并保存"),
    ("Tab", "在标注框中保留已输入的标签，再加一个"),
    ("Esc", "关闭标注框、对话框，清除关键词标记"),
    ("J / K", "选中下一条 / 上一条标注并滚动过去"),
    ("T", "给当前标注所在段落加标签"),
    (
        "R",
        "从选中的标注连一条关系：J / K 选终点（或点击另一处标注），Enter 后输入关系名称再 Enter",
    ),
    ("Delete", "删除选中的标注"),
    ("E", "编辑选中的标注"),
    ("Ctrl + Z", "撤销"),
    ("Ctrl + Shift + Z / Ctrl + Y", "重做"),
    ("W", "分词视图"),
    ("G", "标签管理"),
    ("I", "统计：各标签与关系的数量、按章节、全文库、各标签最常标注的词，可导出 CSV"),
    ("Y", "团队同步：连接 CouchDB 数据库，离线照常标注，联网后自动同步"),
    ("A", "标注者一致性：两位标注者各标签的 F1 与 Cohen's κ，列出不一致之处"),
    ("L", "文库：所有文档，打开、改名、删除、恢复、备份"),
    ("N", "新建文档：粘贴文字，或选择 .txt / .md / .html / .docx 文件（也可拖到页面上）"),
    ("?", "显示 / 关闭本帮助"),
];

#[component]
pub fn HelpOverlay(props: &HelpOverlayProps) -> Html {
    let close = {
        let on_action = props.on_action.clone();
        Callback::from(move |_| on_action.emit(Action::ToggleHelp))
    };
    let rows = SHORTCUTS.iter().map(|(keys, what)| {
        html! { <tr><td><kbd>{ *keys }</kbd></td><td>{ *what }</td></tr> }
    });
    html! {
        <div class="overlay" role="dialog" aria-label="键盘快捷键" data-dialog="help">
            <div class="dialog narrow">
                <header>
                    <h2>{ "键盘快捷键" }</h2>
                    <button type="button" class="tool" onclick={close}>{ "关闭" }<kbd>{ "Esc" }</kbd></button>
                </header>
                <table class="shortcuts">{ for rows }</table>
            </div>
        </div>
    }
}
