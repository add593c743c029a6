// A JSON Schema (as the OpenAPI document holds it) shown as a tree: each property with its
// type, whether it is required, its enum or constant; $ref names the shared schema and opens it
// on demand; anyOf lists the alternatives. Depth-limited, so a recursive schema cannot loop.
import { Badge, Box, Code, Group, Stack, Text, UnstyledButton } from '@mantine/core';
import { useState } from 'react';

export type Schema = { [key: string]: unknown };
export type Components = Record<string, Schema>;

const MAX_DEPTH = 8;

function refName(schema: Schema): string | null {
  const ref = schema.$ref;
  return typeof ref === 'string' ? ref.replace('#/components/schemas/', '') : null;
}

export function typeLabel(schema: Schema, components: Components): string {
  const name = refName(schema);
  if (name) return name;
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Schema[]).map((s) => typeLabel(s, components)).join(' | ');
  const type = schema.type;
  if (Array.isArray(type)) return type.join(' | ');
  if (type === 'array' && schema.items && typeof schema.items === 'object') {
    return `${typeLabel(schema.items as Schema, components)}[]`;
  }
  if (typeof type === 'string') return type;
  return 'any';
}

function children(schema: Schema, components: Components): { props?: Record<string, Schema>; required: string[]; alternatives?: Schema[]; items?: Schema } {
  const name = refName(schema);
  const target = name ? components[name] ?? {} : schema;
  const required = Array.isArray(target.required) ? (target.required as string[]) : [];
  if (Array.isArray(target.anyOf)) return { alternatives: target.anyOf as Schema[], required };
  if (target.type === 'array' && target.items && typeof target.items === 'object') {
    return { items: target.items as Schema, required };
  }
  const props = target.properties as Record<string, Schema> | undefined;
  return { props: props && Object.keys(props).length ? props : undefined, required };
}

function Node(props: { name?: string; schema: Schema; components: Components; required?: boolean; depth: number; open?: boolean }) {
  const { schema, components, depth } = props;
  const [open, setOpen] = useState(props.open ?? depth < 2);
  const kids = children(schema, components);
  const expandable = depth < MAX_DEPTH && Boolean(kids.props || kids.alternatives || (kids.items && children(kids.items, components).props));
  const label = (
    <Group gap={6} wrap="nowrap">
      {expandable && <Text size="xs" c="dimmed" w={10}>{open ? '▾' : '▸'}</Text>}
      {props.name !== undefined && <Code fz="xs">{props.name}</Code>}
      <Text size="xs" c="blue" ff="monospace">{typeLabel(schema, components)}</Text>
      {props.required && <Badge size="xs" variant="light" color="red">required</Badge>}
    </Group>
  );
  return (
    <Box>
      {expandable ? (
        <UnstyledButton onClick={() => setOpen((o) => !o)} aria-expanded={open}>
          {label}
        </UnstyledButton>
      ) : (
        label
      )}
      {expandable && open && (
        <Stack gap={2} pl="md" mt={2} style={{ borderLeft: '1px solid var(--mantine-color-default-border)' }}>
          {kids.alternatives?.map((alt, i) => (
            <Node key={i} name={`#${i + 1}`} schema={alt} components={components} depth={depth + 1} />
          ))}
          {kids.items && <Node name="[ ]" schema={kids.items} components={components} depth={depth + 1} />}
          {kids.props &&
            Object.entries(kids.props).map(([key, value]) => (
              <Node key={key} name={key} schema={value} components={components} required={kids.required.includes(key)} depth={depth + 1} />
            ))}
        </Stack>
      )}
    </Box>
  );
}

export function SchemaTree({ schema, components }: { schema: Schema; components: Components }) {
  return <Node schema={schema} components={components} depth={0} open />;
}
