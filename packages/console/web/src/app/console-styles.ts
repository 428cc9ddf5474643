/**
 * Mantine's CSS for the components the console uses once logged in (login-styles.ts has the first page's). A
 * component added to a page needs its file here (Mantine's styles/<Component>.css), and those it is built from.
 */
import '@mantine/core/styles/AppShell.css';
import '@mantine/core/styles/Group.css';
import '@mantine/core/styles/Anchor.css';
import '@mantine/core/styles/Badge.css';
import '@mantine/core/styles/Table.css';
import '@mantine/core/styles/SimpleGrid.css';
import '@mantine/core/styles/Grid.css';
import '@mantine/core/styles/Card.css';
import '@mantine/core/styles/Timeline.css';
import '@mantine/core/styles/Popover.css';
import '@mantine/core/styles/Combobox.css';
import '@mantine/core/styles/ScrollArea.css';
import '@mantine/core/styles/List.css';
import '@mantine/core/styles/ModalBase.css';
import '@mantine/core/styles/Overlay.css';
import '@mantine/core/styles/Modal.css';
import '@mantine/core/styles/Code.css';
import '@mantine/core/styles/Mark.css';
import '@mantine/core/styles/InlineInput.css';
import '@mantine/core/styles/Flex.css';
