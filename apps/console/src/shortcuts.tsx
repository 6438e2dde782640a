import { Kbd, Modal, Table } from "@mantine/core";
import { useDisclosure, useHotkeys } from "@mantine/hooks";
import { createContext, type ReactNode, useContext, useMemo } from "react";
import { useTranslation } from "react-i18next";

type ShortcutHelp = { opened: boolean; open: () => void; close: () => void };

const ShortcutHelpContext = createContext<ShortcutHelp>({ opened: false, open: () => {}, close: () => {} });

/** Holds the shortcut help modal; `?` opens it anywhere outside a text field, Esc closes it. */
export function ShortcutHelpProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [opened, { open, close }] = useDisclosure(false);
  useHotkeys([
    ["shift+?", open],
    ["?", open],
  ]);
  const value = useMemo(() => ({ opened, open, close }), [opened, open, close]);
  const rows: [ReactNode, string][] = [
    [<Kbd key="j">J</Kbd>, t("shortcuts.next")],
    [<Kbd key="k">K</Kbd>, t("shortcuts.previous")],
    [<Kbd key="enter">Enter</Kbd>, t("shortcuts.open")],
    [<Kbd key="x">X</Kbd>, t("inboxViews.shortcutSelect")],
    [<Kbd key="r">R</Kbd>, t("shortcuts.reply")],
    [<Kbd key="n">N</Kbd>, t("shortcuts.note")],
    [
      <span key="send">
        <Kbd>Ctrl</Kbd> + <Kbd>Enter</Kbd>
      </span>,
      t("shortcuts.send"),
    ],
    [<Kbd key="slash">/</Kbd>, t("shortcuts.search")],
    [
      <span key="global-search">
        <Kbd>Ctrl</Kbd> + <Kbd>K</Kbd>
      </span>,
      t("shortcuts.globalSearch"),
    ],
    [<Kbd key="help">?</Kbd>, t("shortcuts.help")],
    [<Kbd key="esc">Esc</Kbd>, t("shortcuts.close")],
  ];
  return (
    <ShortcutHelpContext.Provider value={value}>
      {children}
      <Modal opened={opened} onClose={close} title={t("shortcuts.title")} centered>
        <Table verticalSpacing="xs">
          <Table.Tbody>
            {rows.map(([keys, label]) => (
              <Table.Tr key={label}>
                <Table.Td w={140}>{keys}</Table.Td>
                <Table.Td>{label}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Modal>
    </ShortcutHelpContext.Provider>
  );
}

/** Opens or reads the state of the shortcut help modal. */
export function useShortcutHelp(): ShortcutHelp {
  return useContext(ShortcutHelpContext);
}
