import { relations } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  json,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { user } from './auth';
import { timestamps } from './columns';

export const taskStatus = pgEnum('task_status', ['todo', 'in_progress', 'done']);

export const organizations = pgTable('organizations', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: varchar('name', { length: 120 }).notNull(),
  slug: varchar('slug', { length: 60 }).notNull().unique(),
  ...timestamps,
});

export const projects = pgTable(
  'projects',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 200 }).notNull(),
    // 0002: integer -> bigint (rewrites the table)
    budgetCents: bigint('budget_cents', { mode: 'number' }).default(0).notNull(),
    // 0004: varchar and json columns added
    color: varchar('color', { length: 7 }),
    settings: json('settings').$type<{ public: boolean }>().default({ public: false }),
    // 0002: NOT NULL column without a default (fails if projects has rows)
    ownerId: text('owner_id')
      .notNull()
      .references(() => user.id),
    ...timestamps,
  },
  (t) => [index('projects_organization_idx').on(t.organizationId)],
);

export const tasks = pgTable(
  'tasks',
  {
  id: uuid('id').primaryKey().defaultRandom(),
  projectId: uuid('project_id')
    .notNull()
    .references(() => projects.id, { onDelete: 'cascade' }),
  // 0003: renamed from title (answered: rename)
  summary: text('summary').notNull(),
  status: taskStatus('status').default('todo').notNull(),
  // 0002: text -> integer (no USING clause: fails on apply)
  priority: integer('priority').default(3).notNull(),
  // 0001: foreign key added to an existing table
  assigneeId: text('assignee_id').references(() => user.id, { onDelete: 'set null' }),
  // timestamp WITHOUT time zone
  dueAt: timestamp('due_at'),
  metadata: json('metadata').$type<Record<string, unknown>>(),
  // 0004: timestamp WITHOUT time zone added
  completedAt: timestamp('completed_at'),
  ...timestamps,
},
// 0001: index added to an existing table (plain CREATE INDEX: locks writes while it builds)
(t) => [index('tasks_project_status_idx').on(t.projectId, t.status)],
);

export const projectsRelations = relations(projects, ({ one, many }) => ({
  organization: one(organizations, { fields: [projects.organizationId], references: [organizations.id] }),
  tasks: many(tasks),
}));

export const tasksRelations = relations(tasks, ({ one }) => ({
  project: one(projects, { fields: [tasks.projectId], references: [projects.id] }),
}));
