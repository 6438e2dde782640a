import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Paper,
  Radio,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconExternalLink, IconPencil, IconPlus, IconTrash } from "@tabler/icons-react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { plainHighlight } from "../case/ai-suggestions.tsx";
import { sanitizeArticleHtml } from "../case/sanitize.ts";
import { ErrorAlert } from "../error-alert.tsx";
import { describeError } from "../error-message.ts";
import { formatDateTime, useLanguage } from "../format.ts";
import { errorFor, fieldErrors } from "./field-errors.ts";
import {
  type Article,
  type ArticleFilters,
  type ArticleHit,
  type ArticleInput,
  type ArticleLang,
  type ArticleStatus,
  articleLangs,
  articleStatuses,
  type Category,
  createArticle,
  createCategory,
  deleteArticle,
  deleteCategory,
  fetchArticle,
  fetchArticles,
  fetchCategories,
  isHit,
  knowledgeKeys,
  previewMarkdown,
  updateArticle,
} from "./knowledge-api.ts";
import { EmptyState, FormError, QueryState, Section, SettingsForm, SubmitRow } from "./settings-parts.tsx";

const ALL = "__all__";
const SLUG = /^[a-z0-9][a-z0-9-]{0,79}$/;
type VersionDraft = { title: string; body: string };

/** The version to name an article by: English, else the first. */
const mainVersion = (article: Article) => article.versions.find((v) => v.lang === "en") ?? article.versions[0];

function helpfulShare(helpful: Article["helpful"]): string {
  const votes = helpful.yes + helpful.no;
  return votes === 0 ? "—" : `${Math.round((helpful.yes / votes) * 100)} %`;
}

function StatusBadge({ status }: { status: ArticleStatus }) {
  const { t } = useTranslation();
  return (
    <Badge variant="light" color={status === "published" ? "teal" : "gray"}>
      {t(`knowledgeAdmin.status.${status}`)}
    </Badge>
  );
}

function CategoriesCard({ categories }: { categories: Category[] }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [local, setLocal] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: createCategory,
    onSuccess: () => {
      setName("");
      void queryClient.invalidateQueries({ queryKey: knowledgeKeys.categories });
    },
  });
  const remove = useMutation({
    mutationFn: deleteCategory,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: knowledgeKeys.all }),
  });
  const errors = fieldErrors(add.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return setLocal(t("settings.required"));
    setLocal(null);
    add.mutate(name.trim());
  };
  return (
    <Card withBorder padding="sm">
      <SettingsForm title={t("knowledgeAdmin.categories.title")} onSubmit={submit}>
        {categories.length === 0 ? (
          <EmptyState>{t("knowledgeAdmin.categories.empty")}</EmptyState>
        ) : (
          <Group gap="xs">
            {categories.map((category) => (
              <Badge
                key={category.id}
                variant="outline"
                size="lg"
                data-testid="kb-category"
                rightSection={
                  <ActionIcon
                    size="xs"
                    variant="transparent"
                    color="red"
                    aria-label={t("admin.delete", { name: category.name })}
                    onClick={() =>
                      window.confirm(t("knowledgeAdmin.categories.confirmDelete", { name: category.name })) &&
                      remove.mutate(category.id)
                    }
                  >
                    <IconTrash size={12} />
                  </ActionIcon>
                }
              >
                {category.name}
              </Badge>
            ))}
          </Group>
        )}
        {remove.error && (
          <Text size="sm" c="red" role="alert">
            {describeError(remove.error, t)}
          </Text>
        )}
        <Group align="flex-start">
          <TextInput
            label={t("knowledgeAdmin.categories.name")}
            value={name}
            maxLength={100}
            onChange={(event) => setName(event.currentTarget.value)}
            error={local ?? errorFor(errors, "name", "slug")}
          />
          <Button type="submit" mt={25} loading={add.isPending} leftSection={<IconPlus size={14} />}>
            {t("knowledgeAdmin.categories.add")}
          </Button>
        </Group>
        <FormError error={add.error} errors={errors} fields={["name", "slug"]} />
      </SettingsForm>
    </Card>
  );
}

function VersionEditor({
  lang,
  draft,
  errors,
  canRemove,
  onChange,
  onRemove,
}: {
  lang: ArticleLang;
  draft: VersionDraft;
  errors: Record<string, string>;
  canRemove: boolean;
  onChange: (draft: VersionDraft) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<"write" | "preview">("write");
  const [body] = useDebouncedValue(draft.body, 300);
  const preview = useQuery({
    queryKey: knowledgeKeys.preview(body),
    queryFn: () => previewMarkdown(body),
    enabled: mode === "preview",
    staleTime: Infinity,
  });
  const langName = t(`knowledgeAdmin.langs.${lang}`);
  return (
    <Stack gap="xs">
      <TextInput
        label={t("knowledgeAdmin.editor.titleField")}
        aria-label={`${t("knowledgeAdmin.editor.titleField")} (${langName})`}
        value={draft.title}
        maxLength={200}
        required
        onChange={(event) => onChange({ ...draft, title: event.currentTarget.value })}
        error={errorFor(errors, `versions.${lang}.title`, `versions.${lang}`)}
      />
      <Group justify="space-between">
        <SegmentedControl
          size="xs"
          value={mode}
          onChange={(value) => setMode(value as "write" | "preview")}
          data={[
            { value: "write", label: t("knowledgeAdmin.editor.write") },
            { value: "preview", label: t("knowledgeAdmin.editor.preview") },
          ]}
          aria-label={`${t("knowledgeAdmin.editor.body")} (${langName})`}
        />
        <Button size="xs" variant="subtle" color="red" disabled={!canRemove} onClick={onRemove}>
          {t("knowledgeAdmin.editor.removeLang", { lang: langName })}
        </Button>
      </Group>
      {mode === "write" ? (
        <Textarea
          label={t("knowledgeAdmin.editor.body")}
          aria-label={`${t("knowledgeAdmin.editor.body")} (${langName})`}
          description={t("knowledgeAdmin.editor.bodyHelp")}
          value={draft.body}
          autosize
          minRows={10}
          maxRows={30}
          styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
          maxLength={100_000}
          onChange={(event) => onChange({ ...draft, body: event.currentTarget.value })}
          error={errorFor(errors, `versions.${lang}.body`)}
        />
      ) : (
        <Paper withBorder p="md" mih={200} aria-label={t("knowledgeAdmin.editor.preview")} data-testid="kb-preview">
          {preview.isPending || body !== draft.body ? (
            <Loader size="sm" aria-label={t("app.loading")} />
          ) : preview.error ? (
            <ErrorAlert
              title={t("knowledgeAdmin.editor.previewFailed")}
              error={preview.error}
              onRetry={() => void preview.refetch()}
            />
          ) : (
            // Rendered and sanitised by the server as the help center does, then sanitised again here.
            <div
              className="kb-preview"
              // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised with DOMPurify (sanitizeArticleHtml in case/sanitize.ts)
              dangerouslySetInnerHTML={{ __html: sanitizeArticleHtml(preview.data?.html ?? "") }}
            />
          )}
        </Paper>
      )}
    </Stack>
  );
}

const editorFields = ["slug", "status", "categoryId", "tags", "versions"];

function ArticleEditor({
  article,
  categories,
  workspaceSlug,
  onSaved,
  onClose,
}: {
  article: Article | null;
  categories: Category[];
  workspaceSlug: string;
  onSaved: (article: Article) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const queryClient = useQueryClient();
  const [slug, setSlug] = useState(article?.slug ?? "");
  const [status, setStatus] = useState<ArticleStatus>(article?.status ?? "draft");
  const [categoryId, setCategoryId] = useState(article?.categoryId ?? ALL);
  const [tags, setTags] = useState(article?.tags ?? []);
  const [versions, setVersions] = useState<Partial<Record<ArticleLang, VersionDraft>>>(() =>
    article
      ? Object.fromEntries(article.versions.map((v) => [v.lang, { title: v.title, body: v.body }]))
      : { en: { title: "", body: "" } },
  );
  const langs = articleLangs.filter((lang) => versions[lang]);
  const [tab, setTab] = useState<string>(langs[0] ?? "en");
  const [local, setLocal] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: (input: ArticleInput) => (article ? updateArticle(article.id, input) : createArticle(input)),
    onSuccess: (saved) => {
      setSlug(saved.slug);
      queryClient.setQueryData(knowledgeKeys.article(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: ["knowledge", "articles"] });
      onSaved(saved);
    },
  });
  const remove = useMutation({
    mutationFn: () => deleteArticle(article?.id ?? ""),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["knowledge", "articles"] });
      onClose();
    },
  });
  const errors = { ...fieldErrors(save.error), ...local };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (slug.trim() && !SLUG.test(slug.trim())) problems.slug = t("knowledgeAdmin.editor.slugRule");
    if (langs.length === 0) problems.versions = t("knowledgeAdmin.editor.oneVersion");
    for (const lang of langs)
      if (!versions[lang]?.title.trim()) problems[`versions.${lang}.title`] = t("settings.required");
    setLocal(problems);
    const firstBad = langs.find((lang) => problems[`versions.${lang}.title`]);
    if (firstBad) setTab(firstBad);
    if (Object.keys(problems).length) return;
    const sent: ArticleInput["versions"] = {};
    for (const lang of langs) {
      const v = versions[lang];
      if (v) sent[lang] = { title: v.title.trim(), body: v.body };
    }
    // A language the article had and the editor removed is sent as null (PATCH removes it).
    for (const v of article?.versions ?? []) if (!versions[v.lang]) sent[v.lang] = null;
    save.mutate({
      ...(slug.trim() ? { slug: slug.trim() } : {}),
      status,
      categoryId: categoryId === ALL ? null : categoryId,
      tags,
      versions: sent,
    });
  };
  const missing = articleLangs.filter((lang) => !versions[lang]);
  const main = article ? mainVersion(article) : undefined;
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Button variant="subtle" onClick={onClose}>
          {t("knowledgeAdmin.editor.back")}
        </Button>
        {article?.status === "published" && (
          <Anchor
            href={`/help/${encodeURIComponent(workspaceSlug)}/articles/${encodeURIComponent(article.slug)}`}
            target="_blank"
            rel="noopener noreferrer"
            size="sm"
          >
            <Group gap={4}>
              {t("knowledgeAdmin.editor.viewPublic")}
              <IconExternalLink size={14} aria-hidden />
            </Group>
          </Anchor>
        )}
      </Group>
      {article && (
        <SimpleGrid cols={{ base: 2, sm: 4 }} data-testid="kb-stats">
          <Stat label={t("knowledgeAdmin.views")} value={String(article.viewCount)} />
          <Stat
            label={t("knowledgeAdmin.helpful")}
            value={t("knowledgeAdmin.helpfulVotes", { yes: article.helpful.yes, no: article.helpful.no })}
          />
          <Stat label={t("knowledgeAdmin.helpfulShare")} value={helpfulShare(article.helpful)} />
          <Stat
            label={t("knowledgeAdmin.published")}
            value={article.publishedAt ? formatDateTime(article.publishedAt, language) : "—"}
          />
        </SimpleGrid>
      )}
      <SettingsForm
        title={
          article
            ? t("knowledgeAdmin.editor.editTitle", { title: main?.title ?? article.slug })
            : t("knowledgeAdmin.editor.newTitle")
        }
        onSubmit={submit}
        maw={900}
      >
        <Radio.Group
          label={t("knowledgeAdmin.editor.status")}
          value={status}
          onChange={(v) => setStatus(v as ArticleStatus)}
        >
          <Group gap="md" mt={4}>
            {articleStatuses.map((s) => (
              <Radio key={s} value={s} label={t(`knowledgeAdmin.status.${s}`)} />
            ))}
          </Group>
        </Radio.Group>
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <TextInput
            label={t("knowledgeAdmin.editor.slug")}
            description={t("knowledgeAdmin.editor.slugHelp")}
            value={slug}
            maxLength={80}
            onChange={(event) => setSlug(event.currentTarget.value)}
            error={errorFor(errors, "slug")}
          />
          <Select
            label={t("knowledgeAdmin.category")}
            data={[
              { value: ALL, label: t("knowledgeAdmin.noCategory") },
              ...categories.map((c) => ({ value: c.id, label: c.name })),
            ]}
            value={categoryId}
            allowDeselect={false}
            onChange={(value) => value && setCategoryId(value)}
            error={errorFor(errors, "categoryId")}
          />
          <TagsInput
            label={t("knowledgeAdmin.tags")}
            description={t("knowledgeAdmin.editor.tagsHelp")}
            value={tags}
            maxTags={30}
            onChange={(next) => setTags(next.map((tag) => tag.toLowerCase()))}
            error={errorFor(errors, "tags")}
          />
        </SimpleGrid>
        <Tabs value={tab} onChange={(value) => value && setTab(value)} keepMounted={false}>
          <Group justify="space-between" align="flex-end">
            <Tabs.List aria-label={t("knowledgeAdmin.editor.versions")}>
              {langs.map((lang) => (
                <Tabs.Tab
                  key={lang}
                  value={lang}
                  c={
                    langs.some((l) => errors[`versions.${l}.title`]) && errors[`versions.${lang}.title`]
                      ? "red"
                      : undefined
                  }
                >
                  {t(`knowledgeAdmin.langs.${lang}`)}
                </Tabs.Tab>
              ))}
            </Tabs.List>
            {missing.length > 0 && (
              <Select
                size="xs"
                w={200}
                label={t("knowledgeAdmin.editor.addLang")}
                placeholder={t("knowledgeAdmin.editor.addLangPlaceholder")}
                data={missing.map((lang) => ({ value: lang, label: t(`knowledgeAdmin.langs.${lang}`) }))}
                value={null}
                onChange={(value) => {
                  if (!value) return;
                  setVersions((current) => ({ ...current, [value]: { title: "", body: "" } }));
                  setTab(value);
                }}
              />
            )}
          </Group>
          {langs.map((lang) => {
            const draft = versions[lang];
            return (
              draft && (
                <Tabs.Panel key={lang} value={lang} pt="sm">
                  <VersionEditor
                    lang={lang}
                    draft={draft}
                    errors={errors}
                    canRemove={langs.length > 1}
                    onChange={(next) => setVersions((current) => ({ ...current, [lang]: next }))}
                    onRemove={() => {
                      setVersions((current) => {
                        const { [lang]: _removed, ...rest } = current;
                        return rest;
                      });
                      setTab(langs.find((l) => l !== lang) ?? "en");
                    }}
                  />
                </Tabs.Panel>
              )
            );
          })}
        </Tabs>
        {errors.versions && (
          <Text c="red" size="sm" role="alert">
            {errors.versions}
          </Text>
        )}
        <FormError
          error={save.error}
          errors={errors}
          fields={Object.keys(errors).filter((key) => editorFields.includes(key) || key.startsWith("versions."))}
        />
        <Group>
          <SubmitRow label={t("settings.save")} pending={save.isPending} saved={save.isSuccess} />
          {article && (
            <Button
              variant="subtle"
              color="red"
              loading={remove.isPending}
              onClick={() =>
                window.confirm(t("admin.confirmDelete", { name: main?.title ?? article.slug })) && remove.mutate()
              }
            >
              {t("knowledgeAdmin.editor.delete")}
            </Button>
          )}
        </Group>
        {remove.error && (
          <Text c="red" size="sm" role="alert">
            {describeError(remove.error, t)}
          </Text>
        )}
      </SettingsForm>
    </Stack>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <Paper withBorder p="xs">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600}>{value}</Text>
    </Paper>
  );
}

/**
 * The editor of a new article (id null) or of a saved one, loaded first. A new article that is saved keeps the
 * same editor (the saved article is in the query cache), so "Saved" stays on screen and the next save updates it.
 */
function ArticleEditorLoader({
  id,
  ...props
}: { id: string | null } & Omit<Parameters<typeof ArticleEditor>[0], "article">) {
  const article = useQuery({
    queryKey: knowledgeKeys.article(id ?? ""),
    queryFn: () => fetchArticle(id ?? ""),
    enabled: id !== null,
  });
  return (
    <QueryState
      isPending={id !== null && article.isPending}
      error={id !== null ? article.error : null}
      onRetry={() => void article.refetch()}
    >
      <ArticleEditor article={id !== null ? (article.data ?? null) : null} {...props} />
    </QueryState>
  );
}

function ArticleRow({
  entry,
  categories,
  onEdit,
}: {
  entry: Article | ArticleHit;
  categories: Category[];
  onEdit: () => void;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const hit = isHit(entry) ? entry : null;
  const article = isHit(entry) ? null : entry;
  const title = hit ? hit.title : (article && mainVersion(article)?.title) || entry.slug;
  const category = categories.find((c) => c.id === entry.categoryId)?.name ?? "—";
  return (
    <Table.Tr data-testid="kb-article" data-slug={entry.slug}>
      <Table.Td>
        <Anchor component="button" type="button" fw={500} size="sm" onClick={onEdit} ta="left">
          {title}
        </Anchor>
        {hit && (
          <Text size="xs" c="dimmed" lineClamp={2}>
            {plainHighlight(hit.snippet)}
          </Text>
        )}
        {entry.tags.length > 0 && (
          <Group gap={4} mt={2}>
            {entry.tags.map((tag) => (
              <Badge key={tag} size="xs" variant="dot">
                {tag}
              </Badge>
            ))}
          </Group>
        )}
      </Table.Td>
      <Table.Td>
        <Group gap={4}>
          {(hit ? [hit.lang] : (article?.versions.map((v) => v.lang) ?? [])).map((lang) => (
            <Badge key={lang} size="sm" variant="light">
              {lang}
            </Badge>
          ))}
        </Group>
      </Table.Td>
      <Table.Td style={{ whiteSpace: "nowrap" }}>
        <StatusBadge status={entry.status} />
      </Table.Td>
      <Table.Td>{category}</Table.Td>
      <Table.Td ta="right">{article ? article.viewCount : "—"}</Table.Td>
      <Table.Td>
        {article ? (
          <Text size="sm">
            {t("knowledgeAdmin.helpfulVotes", article.helpful)} ({helpfulShare(article.helpful)})
          </Text>
        ) : (
          "—"
        )}
      </Table.Td>
      <Table.Td>{article ? formatDateTime(article.updatedAt, language) : "—"}</Table.Td>
      <Table.Td>
        <ActionIcon variant="subtle" aria-label={t("admin.edit", { name: title })} onClick={onEdit}>
          <IconPencil size={16} />
        </ActionIcon>
      </Table.Td>
    </Table.Tr>
  );
}

function ArticleList({ categories, onEdit }: { categories: Category[]; onEdit: (id: string) => void }) {
  const { t } = useTranslation();
  const [query, setQuery] = useState("");
  const [debounced] = useDebouncedValue(query, 300);
  const [status, setStatus] = useState(ALL);
  const [category, setCategory] = useState(ALL);
  const [lang, setLang] = useState(ALL);
  // The cursors of the pages seen, to go back; the first page has none.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const filters: ArticleFilters = {
    ...(debounced.trim() ? { query: debounced.trim() } : {}),
    ...(status !== ALL ? { status: status as ArticleStatus } : {}),
    ...(category !== ALL ? { category } : {}),
    ...(lang !== ALL ? { lang: lang as ArticleLang } : {}),
  };
  const cursor = cursors[cursors.length - 1];
  const list = useQuery({
    queryKey: knowledgeKeys.articles({ ...filters, ...(cursor ? { cursor } : {}) }),
    queryFn: () => fetchArticles({ ...filters, ...(cursor ? { cursor } : {}) }),
    placeholderData: keepPreviousData,
  });
  const refilter = (set: (value: string) => void) => (value: string | null) => {
    set(value ?? ALL);
    setCursors([undefined]);
  };
  return (
    <Stack gap="sm">
      <Group align="flex-end" wrap="wrap" role="search" aria-label={t("knowledgeAdmin.filters")}>
        <TextInput
          label={t("knowledgeAdmin.search")}
          placeholder={t("knowledgeAdmin.searchPlaceholder")}
          value={query}
          w={260}
          onChange={(event) => {
            setQuery(event.currentTarget.value);
            setCursors([undefined]);
          }}
        />
        <Select
          label={t("knowledgeAdmin.editor.status")}
          w={150}
          data={[
            { value: ALL, label: t("knowledgeAdmin.any") },
            ...articleStatuses.map((s) => ({ value: s, label: t(`knowledgeAdmin.status.${s}`) })),
          ]}
          value={status}
          allowDeselect={false}
          onChange={refilter(setStatus)}
        />
        <Select
          label={t("knowledgeAdmin.category")}
          w={200}
          data={[
            { value: ALL, label: t("knowledgeAdmin.any") },
            ...categories.map((c) => ({ value: c.id, label: c.name })),
          ]}
          value={category}
          allowDeselect={false}
          onChange={refilter(setCategory)}
        />
        <Select
          label={t("knowledgeAdmin.language")}
          w={150}
          data={[
            { value: ALL, label: t("knowledgeAdmin.any") },
            ...articleLangs.map((l) => ({ value: l, label: t(`knowledgeAdmin.langs.${l}`) })),
          ]}
          value={lang}
          allowDeselect={false}
          onChange={refilter(setLang)}
        />
        {list.isFetching && !list.isPending && <Loader size="xs" aria-label={t("app.loading")} />}
      </Group>
      <QueryState isPending={list.isPending} error={list.error} onRetry={() => void list.refetch()}>
        {list.data?.data.length === 0 ? (
          <EmptyState>
            {Object.keys(filters).length ? t("knowledgeAdmin.noMatch") : t("knowledgeAdmin.empty")}
          </EmptyState>
        ) : (
          <Table.ScrollContainer minWidth={800}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("knowledgeAdmin.editor.titleField")}</Table.Th>
                  <Table.Th>{t("knowledgeAdmin.languages")}</Table.Th>
                  <Table.Th>{t("knowledgeAdmin.editor.status")}</Table.Th>
                  <Table.Th>{t("knowledgeAdmin.category")}</Table.Th>
                  <Table.Th ta="right">{t("knowledgeAdmin.views")}</Table.Th>
                  <Table.Th>{t("knowledgeAdmin.helpful")}</Table.Th>
                  <Table.Th>{t("botAdmin.updated")}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data?.data.map((entry) => (
                  <ArticleRow key={entry.id} entry={entry} categories={categories} onEdit={() => onEdit(entry.id)} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <Group gap="xs">
          <Button
            size="xs"
            variant="default"
            disabled={cursors.length <= 1}
            onClick={() => setCursors((current) => current.slice(0, -1))}
          >
            {t("knowledgeAdmin.previousPage")}
          </Button>
          <Text size="sm" aria-live="polite">
            {t("knowledgeAdmin.pageN", { n: cursors.length })}
          </Text>
          <Button
            size="xs"
            variant="default"
            disabled={!list.data?.nextCursor}
            onClick={() => {
              const next = list.data?.nextCursor;
              if (next) setCursors((current) => [...current, next]);
            }}
          >
            {t("knowledgeAdmin.nextPage")}
          </Button>
        </Group>
      </QueryState>
    </Stack>
  );
}

/** The knowledge base: articles (search, filters, pages), their editor with a preview, categories. */
export default function KnowledgeAdminSettings({ workspaceSlug }: { workspaceSlug: string }) {
  const { t } = useTranslation();
  const categories = useQuery({ queryKey: knowledgeKeys.categories, queryFn: fetchCategories });
  const [editing, setEditing] = useState<string | null>(null);
  const helpCenter = `/help/${encodeURIComponent(workspaceSlug)}`;
  const editorProps = {
    categories: categories.data?.data ?? [],
    workspaceSlug,
    onSaved: (saved: Article) => setEditing(saved.id),
    onClose: () => setEditing(null),
  };
  return (
    <Section title={t("knowledgeAdmin.title")} description={t("knowledgeAdmin.description")}>
      <Group justify="space-between">
        <Anchor href={helpCenter} target="_blank" rel="noopener noreferrer" size="sm">
          <Group gap={4}>
            {t("knowledgeAdmin.openHelpCenter", { path: helpCenter })}
            <IconExternalLink size={14} aria-hidden />
          </Group>
        </Anchor>
        {editing === null && (
          <Button leftSection={<IconPlus size={14} />} onClick={() => setEditing("new")}>
            {t("knowledgeAdmin.newArticle")}
          </Button>
        )}
      </Group>
      <QueryState isPending={categories.isPending} error={categories.error} onRetry={() => void categories.refetch()}>
        {editing !== null ? (
          <ArticleEditorLoader id={editing === "new" ? null : editing} {...editorProps} />
        ) : (
          <>
            <ArticleList categories={categories.data?.data ?? []} onEdit={setEditing} />
            <CategoriesCard categories={categories.data?.data ?? []} />
          </>
        )}
      </QueryState>
    </Section>
  );
}
