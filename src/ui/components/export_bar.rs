use yew::prelude::*;

use crate::core::formats::bio::{ConllOptions, Scheme, Unit};
use crate::platform::files;
use crate::ui::state::{Action, AppState};
use crate::ui::transfer;

#[derive(Properties, PartialEq)]
pub struct ExportBarProps {
    pub state: UseReducerHandle<AppState>,
}

/// The second row of the top bar: every export, the import, and the CoNLL
/// options (scheme, words or characters, which tags in which order).
#[component]
pub fn ExportBar(props: &ExportBarProps) -> Html {
    let state = &props.state;
    let export = |run: fn(&AppState) -> transfer::Offered| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| match run(&state) {
            Ok(None) => {}
            Ok(Some(notice)) | Err(notice) => state.dispatch(Action::Notify(notice)),
        })
    };
    let on_import = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            if let Some(file) = files::take_chosen(&e) {
                transfer::import_file(file, state.clone());
            }
        })
    };
    let toggle_options = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(Action::ToggleConllOptions))
    };
    html! {
        <div class="toolrow" role="toolbar" aria-label="导出与导入">
            <span class="toolrow-label">{ "导出" }</span>
            <button type="button" class="tool" data-action="export-json" title="下载墨注 JSON（可再导入）"
                onclick={export(transfer::download_json)}>{ "JSON" }</button>
            <button type="button" class="tool" data-action="export-w3c" title="下载 W3C Web Annotation（JSON-LD）"
                onclick={export(transfer::download_w3c)}>{ "W3C" }</button>
            <span class="tool-pair">
                <button type="button" class="tool" data-action="export-conll"
                    title="CoNLL 列格式：每行一个词和它的 BIO/BIOES 标签，句间空行"
                    onclick={export(transfer::download_conll)}>
                    { format!("CoNLL {}", scheme_name(state.conll_options.scheme)) }
                </button>
                <button type="button" class={classes!("tool", state.show_conll_options.then_some("on"))}
                    data-action="conll-options" aria-expanded={state.show_conll_options.to_string()}
                    title="CoNLL 选项：BIO 或 BIOES、按词或按字、写入哪些标签" onclick={toggle_options}>{ "⚙" }</button>
            </span>
            <button type="button" class="tool" data-action="export-doccano" title="doccano JSONL（实体与关系）"
                onclick={export(transfer::download_doccano)}>{ "doccano" }</button>
            <button type="button" class="tool" data-action="export-label-studio" title="Label Studio 任务 JSON"
                onclick={export(transfer::download_label_studio)}>{ "Label Studio" }</button>
            <button type="button" class="tool" data-action="export-brat" title="brat 标注（.txt 与 .ann 的 zip）"
                onclick={export(transfer::download_brat)}>{ "brat" }</button>
            <button type="button" class="tool" data-action="export-spacy" title="spaCy Doc JSON（Doc.from_json 可读）"
                onclick={export(transfer::download_spacy)}>{ "spaCy" }</button>
            <button type="button" class="tool" data-action="export-csv" title="CSV 表格，每条标注一行（Excel 可直接打开）"
                onclick={export(transfer::download_csv)}>{ "CSV" }</button>
            <label class="tool" title="导入墨注 JSON、W3C、doccano JSONL、Label Studio JSON、brat（.ann 或 zip），也可把文件拖到页面上">
                { "导入" }
                <input type="file" class="visually-hidden" data-action="import"
                    accept=".json,.jsonld,.jsonl,.ann,.zip,application/json,application/ld+json,application/zip"
                    onchange={on_import} />
            </label>
            if state.show_conll_options {
                <ConllOptionsPanel options={state.conll_options.clone()}
                    tags={state.store.state().tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>()}
                    on_change={let s = state.clone(); Callback::from(move |o| s.dispatch(Action::SetConllOptions(o)))} />
            }
        </div>
    }
}

fn scheme_name(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Bio => "BIO",
        Scheme::Bioes => "BIOES",
    }
}

#[derive(Properties, PartialEq)]
pub struct ConllOptionsProps {
    pub options: ConllOptions,
    /// Every tag, in the tag list's order.
    pub tags: Vec<String>,
    pub on_change: Callback<ConllOptions>,
}

/// Scheme, unit and the tags written. A column holds one tag per word, so
/// where annotations overlap the tag higher in the list wins; the export
/// says what it left out.
#[component]
pub fn ConllOptionsPanel(props: &ConllOptionsProps) -> Html {
    let o = &props.options;
    let chosen: Vec<String> = o.tags.clone().unwrap_or_else(|| props.tags.clone());
    let set = |change: std::rc::Rc<dyn Fn(&mut ConllOptions)>| {
        let options = o.clone();
        let on_change = props.on_change.clone();
        Callback::from(move |_: Event| {
            let mut next = options.clone();
            change(&mut next);
            on_change.emit(next);
        })
    };
    let tag_rows = props.tags.iter().map(|tag| {
        let on = chosen.contains(tag);
        let tag_owned = tag.clone();
        let all = props.tags.clone();
        let chosen = chosen.clone();
        let toggle = set(std::rc::Rc::new(move |o: &mut ConllOptions| {
            let mut picked: Vec<String> = chosen.clone();
            if picked.contains(&tag_owned) {
                picked.retain(|t| *t != tag_owned);
            } else {
                // Keep the tag list's order.
                picked = all.iter().filter(|t| **t == tag_owned || picked.contains(t)).cloned().collect();
            }
            o.tags = Some(picked);
        }));
        html! {
            <label class="option" key={tag.clone()}>
                <input type="checkbox" data-conll-tag={tag.clone()} checked={on} onchange={toggle} />
                { tag.clone() }
            </label>
        }
    });
    html! {
        <div class="conll-options" role="group" aria-label="CoNLL 选项">
            <fieldset>
                <legend>{ "标注方案" }</legend>
                <label class="option"><input type="radio" name="conll-scheme" data-conll-scheme="bio"
                    checked={o.scheme == Scheme::Bio} onchange={set(std::rc::Rc::new(|o| o.scheme = Scheme::Bio))} />{ "BIO" }</label>
                <label class="option"><input type="radio" name="conll-scheme" data-conll-scheme="bioes"
                    checked={o.scheme == Scheme::Bioes} onchange={set(std::rc::Rc::new(|o| o.scheme = Scheme::Bioes))} />{ "BIOES" }</label>
            </fieldset>
            <fieldset>
                <legend>{ "切分单位" }</legend>
                <label class="option"><input type="radio" name="conll-unit" data-conll-unit="words"
                    checked={o.unit == Unit::Words} onchange={set(std::rc::Rc::new(|o| o.unit = Unit::Words))} />{ "按词（结巴分词，含用户词典）" }</label>
                <label class="option"><input type="radio" name="conll-unit" data-conll-unit="characters"
                    checked={o.unit == Unit::Characters} onchange={set(std::rc::Rc::new(|o| o.unit = Unit::Characters))} />{ "按字" }</label>
            </fieldset>
            <fieldset>
                <legend>{ "写入的标签（重叠时靠前的优先）" }</legend>
                { for tag_rows }
            </fieldset>
        </div>
    }
}
