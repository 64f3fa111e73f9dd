"""Reads a file the app exported with that format's own reference reader and
prints what the reader found as JSON: the text (when the format carries it)
and the labelled spans in code points, each with the text the reader says it
covers. The end-to-end tests compare this with the annotations in the app.

usage: read_back.py FORMAT FILE [TEXT_FILE] [SCHEME]
"""

import csv
import json
import os
import sys
import tempfile
import zipfile


def conll(path, text_path, scheme):
    # NLTK's column corpus reader, then seqeval's strict scheme decoder.
    import nltk
    from nltk.corpus.reader import ConllCorpusReader
    from seqeval.scheme import IOB2, IOBES, Entities

    root, name = os.path.split(path)
    # NLTK reads corpora only under the directories it is told about.
    nltk.data.path.append(root)
    reader = ConllCorpusReader(root, [name], ("words", "pos"))
    sentences = reader.tagged_sents()
    with open(text_path, encoding="utf-8") as f:
        text = f.read()
    # Place each token in the text, in order (whitespace is not a token).
    offsets, at = [], 0
    for sentence in sentences:
        row = []
        for word, _ in sentence:
            at = text.index(word, at)
            row.append((at, at + len(word)))
            at += len(word)
        offsets.append(row)
    tags = [[tag for _, tag in s] for s in sentences]
    entities = Entities(tags, IOBES if scheme == "BIOES" else IOB2)
    spans = []
    for e in entities.entities:
        for entity in e:
            start = offsets[entity.sent_id][entity.start][0]
            end = offsets[entity.sent_id][entity.end - 1][1]
            spans.append({"start": start, "end": end, "label": entity.tag, "text": text[start:end]})
    return {"tokens": sum(len(s) for s in sentences), "sentences": len(sentences), "spans": spans}


def doccano(path):
    # doccano has no reader of its own outside its server: pandas reads the
    # JSON Lines, and the fields are doccano's documented ones.
    import pandas

    frame = pandas.read_json(path, lines=True)
    row = frame.iloc[0]
    text = row["text"]
    spans = [
        {
            "start": e["start_offset"],
            "end": e["end_offset"],
            "label": e["label"],
            "text": text[e["start_offset"]:e["end_offset"]],
        }
        for e in row["entities"]
    ]
    return {"text": text, "spans": spans, "relations": list(row["relations"])}


LABEL_STUDIO_CONFIG = """<View>
  <Labels name="label" toName="text">{labels}</Labels>
  <Text name="text" value="$text"/>
  <TextArea name="note" toName="text" perRegion="true"/>
</View>"""


def label_studio(path):
    # Label Studio's own converter, to its JSON_MIN format.
    from label_studio_converter import Converter

    with open(path, encoding="utf-8") as f:
        tasks = json.load(f)
    labels = sorted({l for t in tasks for a in t["annotations"] for r in a["result"] if r["type"] == "labels" for l in r["value"]["labels"]})
    config = LABEL_STUDIO_CONFIG.format(labels="".join(f'<Label value="{l}"/>' for l in labels))
    out = tempfile.mkdtemp()
    Converter(config, out, download_resources=False).convert_to_json_min(path, out, is_dir=False)
    with open(os.path.join(out, "result.json"), encoding="utf-8") as f:
        record = json.load(f)[0]
    text = record["text"]
    spans = [
        {"start": r["start"], "end": r["end"], "label": label, "text": text[r["start"]:r["end"]]}
        for r in record.get("label", [])
        for label in r["labels"]
    ]
    notes = record.get("note", [])
    return {"text": text, "spans": spans, "notes": notes if isinstance(notes, list) else [notes]}


def brat(path):
    # pybrat's parser over the unpacked .txt and .ann. It refuses two
    # entities on an identical span unless told to go on, though brat draws
    # them (an annotation with two tags is two T lines); every line is still
    # parsed, and the test checks that all of them came back.
    from pybrat.parser import BratParser

    out = tempfile.mkdtemp()
    with zipfile.ZipFile(path) as z:
        z.extractall(out)
    (example,) = BratParser(error="ignore").parse(out)
    text = example.text
    spans = [
        {"start": e.spans[0].start, "end": e.spans[-1].end, "label": e.type, "text": text[e.spans[0].start:e.spans[-1].end], "mention": e.mention}
        for e in example.entities
    ]
    with open(next(os.path.join(out, n) for n in os.listdir(out) if n.endswith(".ann")), encoding="utf-8") as f:
        notes = [line.split("\t")[2].rstrip("\n") for line in f if line.startswith("#")]
    relations = [{"type": r.type, "arg1": r.arg1.mention, "arg2": r.arg2.mention} for r in example.relations]
    return {"text": text, "spans": spans, "notes": notes, "relations": relations}


def spacy_doc(path):
    # spaCy's Doc.from_json, validated.
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

    with open(path, encoding="utf-8") as f:
        doc = Doc(Vocab()).from_json(json.load(f), validate=True)
    span = lambda s: {"start": s.start_char, "end": s.end_char, "label": s.label_, "text": s.text}
    return {
        "text": doc.text,
        "tokens": len(doc),
        "ents": [span(e) for e in doc.ents],
        "spans": [span(s) for s in doc.spans.get("sc", [])],
    }


def csv_rows(path):
    # Python's csv module, reading UTF-8 with its BOM as Excel writes it.
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(path, "rb") as f:
        head = f.read(3)
    return {"bom": head == b"\xef\xbb\xbf", "rows": rows}


def main():
    fmt, path = sys.argv[1], sys.argv[2]
    if fmt == "conll":
        result = conll(path, sys.argv[3], sys.argv[4])
    else:
        result = {"doccano": doccano, "label-studio": label_studio, "brat": brat, "spacy": spacy_doc, "csv": csv_rows}[fmt](path)
    json.dump(result, sys.stdout, ensure_ascii=False, default=str)


if __name__ == "__main__":
    main()
